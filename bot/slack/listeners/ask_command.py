"""`/ask question`: acknowledged at once; the answer reaches the asker through the command's response_url."""

import hashlib

from slack_bolt import Ack, App

from bot.slack.common import texts
from bot.slack.common.formatting import escape, question_text
from bot.slack.questions.intake import QuestionIntake
from bot.slack.questions.question import IncomingQuestion, ReplyTo


def register(app: App, intake: QuestionIntake) -> None:
    @app.command("/ask")
    def ask(ack: Ack, command: dict) -> None:
        question = question_text(command.get("text") or "", None)
        if not question:
            ack(texts.ASK_USAGE)
            return
        # Slash commands are delivered once: if the question can't be stored, the asker is told at once.
        if intake.take(_question(command, question), last_delivery=True):
            ack(texts.ASK_WORKING.format(question=escape(question)))
        else:
            ack()


def _question(command: dict, question: str) -> IncomingQuestion:
    # Slash commands carry no event id; the trigger id is unique per invocation.
    key = hashlib.sha256(command["trigger_id"].encode()).hexdigest()
    reply_to = ReplyTo(
        origin="ask",
        team_id=command["team_id"],
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        response_url=command["response_url"],
    )
    return IncomingQuestion(
        event_id=f"ask:{key[:40]}",
        team_id=command["team_id"],
        channel_id=command["channel_id"],
        thread_ts=f"ask-{key[:24]}",
        user_id=command["user_id"],
        text=question,
        reply_to=reply_to,
    )
