""""Share to channel" under a private answer: acknowledged at once, posted right after."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.db.engine import Database
from bot.slack.common import texts
from bot.slack.answers.sharing import share_answer
from bot.slack.answers.private_reply import SHARE_ACTION


def register(app: App, database: Database) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def share(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        value = action.get("value", "")
        shared = value.isdigit() and share_answer(
            database, client, answer_id=int(value), channel_id=(body.get("channel") or {}).get("id", ""), user_id=body["user"]["id"]
        )
        if shared:
            respond(delete_original=True)  # the private copy goes: the thread has it now
        else:
            respond(text=texts.SHARE_REFUSED, response_type="ephemeral", replace_original=False)

    app.action(SHARE_ACTION)(ack=acknowledge, lazy=[share])
