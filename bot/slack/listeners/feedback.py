"""👍/👎 under an answer: recorded against the stored answer, thanked with an ephemeral note.

Answers carry Slack's feedback_buttons (`answer_feedback`, value "up-ID"/"down-ID"); answers posted before
them carry two plain buttons (`feedback_up`/`feedback_down`, value "ID"), which still count.
"""

import re
from collections.abc import Sequence

from slack_bolt import Ack, App, Respond

from bot.db.engine import Database
from bot.slack.common import texts
from bot.slack.answers.feedback import record_feedback
from bot.slack.common.formatting import FEEDBACK_ACTION, FEEDBACK_UP_ACTION, ask_expert_block, feedback_vote, section
from bot.slack.knowledge.experts import ExpertDesk


def register(app: App, database: Database, experts: ExpertDesk, admins: Sequence[str] = ()) -> None:
    @app.action(re.compile(r"^feedback_(up|down)$"))
    def take_feedback(ack: Ack, body: dict, action: dict, respond: Respond | None) -> None:
        ack()
        value = action.get("value", "")
        vote = (int(value) if value.isdigit() else 0, 1 if action["action_id"] == FEEDBACK_UP_ACTION else -1)
        _record(database, experts, admins, body, vote, respond)

    @app.action(FEEDBACK_ACTION)
    def take_feedback_buttons(ack: Ack, body: dict, action: dict, respond: Respond | None) -> None:
        ack()
        _record(database, experts, admins, body, feedback_vote(action.get("value", "")) or (0, 0), respond)


def _record(database: Database, experts: ExpertDesk, admins: Sequence[str], body: dict, vote: tuple[int, int], respond: Respond | None) -> None:
    """Records the vote; a 👎 from the person who asked also offers to ask an expert, where experts are named."""
    answer_id, value = vote
    recorded = value != 0 and record_feedback(
        database,
        answer_id=answer_id,
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id", ""),
        value=value,
        admins=admins,
    )
    if respond is None:
        return
    if recorded and value < 0 and experts.offers_after_downvote(answer_id, body["user"]["id"]):
        offer = [section(texts.ASK_EXPERT_AFTER_DOWNVOTE), ask_expert_block(answer_id)]
        respond(text=texts.ASK_EXPERT_AFTER_DOWNVOTE, blocks=offer, response_type="ephemeral", replace_original=False)
        return
    respond(text=texts.FEEDBACK_THANKS if recorded else texts.FEEDBACK_UNKNOWN, response_type="ephemeral", replace_original=False)
