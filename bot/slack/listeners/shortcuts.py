"""Message shortcuts: "Save to docbot" queues the thread's save; "Ask docbot" takes the message as a question."""

import hashlib
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.slack.common import texts
from bot.slack.common.formatting import question_text
from bot.slack.questions.intake import QuestionIntake
from bot.slack.questions.question import IncomingQuestion, ReplyTo
from bot.slack.knowledge.save_requests import SaveQueue
from bot.slack.knowledge.thread_saver import SaveRequest

SAVE_SHORTCUT = "save_to_docbot"
ASK_SHORTCUT = "ask_docbot"


def register(app: App, intake: QuestionIntake, saves: SaveQueue) -> None:
    def save(ack: Ack, body: dict) -> None:
        saves.queue(save_request(body))  # queued before the ack: acknowledged means it will run
        ack()

    def tell_saving(respond: Respond) -> None:
        respond(text=texts.SAVING, response_type="ephemeral", replace_original=False)  # at once; the job tells how it went

    app.message_shortcut(SAVE_SHORTCUT)(ack=save, lazy=[tell_saving])

    @app.message_shortcut(ASK_SHORTCUT)
    def ask(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
        question = shortcut_question(body, context.bot_user_id)
        if not question.text:
            ack()
            respond(text=texts.ASK_SHORTCUT_EMPTY, response_type="ephemeral", replace_original=False)
            return
        # Stored before the ack, like a mention; shortcuts are delivered once, so a failure is told at once.
        intake.take(question, last_delivery=True)
        ack()


def save_request(body: dict[str, Any]) -> SaveRequest:
    message = body.get("message") or {}
    channel = body.get("channel") or {}
    return SaveRequest(
        team_id=(body.get("team") or {}).get("id", ""),
        channel_id=channel.get("id", ""),
        thread_ts=message.get("thread_ts") or message.get("ts") or body.get("message_ts", ""),
        user_id=(body.get("user") or {}).get("id", ""),
        response_url=body.get("response_url"),
        channel_name=channel.get("name", ""),
    )


def shortcut_question(body: dict[str, Any], bot_user_id: str | None) -> IncomingQuestion:
    message = body.get("message") or {}
    team_id = (body.get("team") or {}).get("id", "")
    channel_id = (body.get("channel") or {}).get("id", "")
    user_id = (body.get("user") or {}).get("id", "")
    thread_ts = message.get("thread_ts") or message.get("ts") or body.get("message_ts", "")
    # Shortcuts carry no event id; the trigger id is unique per invocation.
    key = hashlib.sha256(body["trigger_id"].encode()).hexdigest()
    reply_to = ReplyTo(origin="shortcut", team_id=team_id, channel_id=channel_id, user_id=user_id, thread_ts=thread_ts)
    return IncomingQuestion(
        event_id=f"shortcut:{key[:40]}",
        team_id=team_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        user_id=user_id,
        text=question_text(message.get("text") or "", bot_user_id),
        reply_to=reply_to,
    )
