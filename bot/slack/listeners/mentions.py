"""@docbot in a channel: answered in the mention's thread."""

from slack_bolt import App, BoltContext, BoltRequest

from bot.slack.questions.intake import QuestionIntake
from bot.slack.listeners.payloads import is_from_a_person, is_last_delivery, question_from_event


def register(app: App, intake: QuestionIntake) -> None:
    @app.event("app_mention")
    def take_mention(body: dict, event: dict, context: BoltContext, request: BoltRequest) -> None:
        # DMs arrive as `message` events and are answered there.
        if event.get("channel_type") == "im" or event["channel"].startswith("D") or not is_from_a_person(event):
            return
        question = question_from_event(body, event, origin="mention", bot_user_id=context.bot_user_id)
        intake.take(question, last_delivery=is_last_delivery(request))
