"""`message` events: DMs are answered; in channels, follow-ups in docbot's threads when the channel allows it.

A person's reply in a thread the experts were asked in is noted (a ✅ on it saves the thread). Everything
else is acknowledged and ignored: edits, deletions, bot posts, and the `message` copy Slack sends
of a mention (the `app_mention` event answers that one).
"""

from slack_bolt import App, BoltContext, BoltRequest

from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.questions.intake import QuestionIntake
from bot.slack.listeners.payloads import is_from_a_person, is_last_delivery, mentions, question_from_event


def register(app: App, intake: QuestionIntake, experts: ExpertDesk) -> None:
    @app.event("message")
    def take_message(body: dict, event: dict, context: BoltContext, request: BoltRequest) -> None:
        if not is_from_a_person(event):
            return
        kind = event.get("channel_type")
        if kind == "im":
            question = question_from_event(body, event, origin="dm", bot_user_id=context.bot_user_id)
            intake.take(question, last_delivery=is_last_delivery(request))
            return
        if kind not in ("channel", "group") or mentions(event, context.bot_user_id):
            return
        thread_ts = event.get("thread_ts")
        team_id = event.get("team") or body.get("team_id") or ""
        if thread_ts and thread_ts != event["ts"] and experts.note_reply(event["channel"], thread_ts, event["ts"]):
            return  # a reply to the experts' question: not one for docbot
        if thread_ts and thread_ts != event["ts"] and intake.answers_followups(team_id, event["channel"], thread_ts):
            question = question_from_event(body, event, origin="followup", bot_user_id=context.bot_user_id)
            intake.take(question, last_delivery=is_last_delivery(request))
