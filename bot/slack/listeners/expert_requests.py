""""Ask an expert" under an abstention (or after the asker's 👎): acknowledged at once, the experts asked right after."""

from slack_bolt import Ack, App, Respond

from bot.slack.common.formatting import ASK_EXPERT_ACTION
from bot.slack.knowledge.experts import ExpertDesk


def register(app: App, experts: ExpertDesk) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def ask(body: dict, action: dict, respond: Respond) -> None:
        value = action.get("value", "")
        told = experts.ask(answer_id=int(value) if value.isdigit() else 0, user_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id", ""))
        respond(text=told, response_type="ephemeral", replace_original=False)

    app.action(ASK_EXPERT_ACTION)(ack=acknowledge, lazy=[ask])
