"""👍/👎 under an answer: recorded against the stored answer, thanked with an ephemeral note."""

import re
from collections.abc import Sequence

from slack_bolt import Ack, App, Respond

from bot.db.engine import Database
from bot.slack.common import texts
from bot.slack.answers.feedback import record_feedback
from bot.slack.common.formatting import FEEDBACK_UP_ACTION


def register(app: App, database: Database, admins: Sequence[str] = ()) -> None:
    @app.action(re.compile(r"^feedback_(up|down)$"))
    def take_feedback(ack: Ack, body: dict, action: dict, respond: Respond | None) -> None:
        ack()
        recorded = record_feedback(
            database,
            answer_id=int(action["value"]) if action.get("value", "").isdigit() else 0,
            user_id=body["user"]["id"],
            channel_id=(body.get("channel") or {}).get("id", ""),
            value=1 if action["action_id"] == FEEDBACK_UP_ACTION else -1,
            admins=admins,
        )
        if respond is not None:
            respond(text=texts.FEEDBACK_THANKS if recorded else texts.FEEDBACK_UNKNOWN, response_type="ephemeral", replace_original=False)
