"""✅ on docbot's answer from the person who asked, or on an expert's reply (from the asker or an expert) in a
thread the experts were asked in: the thread is saved as a document (anyone else: nothing)."""

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.common import texts
from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.questions.intake import QuestionIntake
from bot.slack.knowledge.save_requests import SaveQueue


def register(app: App, intake: QuestionIntake, saves: SaveQueue, experts: ExpertDesk) -> None:
    def take_reaction(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
        team_id = body.get("team_id", "")
        request = saves.for_reaction(team_id, event) or experts.save_for_reaction(team_id, event)
        if request is not None and intake.claim(body["event_id"]):  # once across Slack's retries
            saves.queue(request)
            context["save_request"] = request
        ack()

    def tell_saving(context: BoltContext, client: WebClient) -> None:
        request = context.get("save_request")
        if request is not None:  # at once; the job tells how it went
            client.chat_postEphemeral(channel=request.channel_id, user=request.user_id, text=texts.SAVING, thread_ts=request.thread_ts)

    app.event("reaction_added")(ack=take_reaction, lazy=[tell_saving])
