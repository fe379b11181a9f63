"""Reading Slack payloads into questions: the one place that knows the events' field names."""

from typing import Any

from slack_bolt import BoltRequest

from bot.slack.common.formatting import question_text
from bot.slack.questions.question import IncomingQuestion, ReplyTo


def question_from_event(body: dict[str, Any], event: dict[str, Any], *, origin: str, bot_user_id: str | None) -> IncomingQuestion:
    team_id = event.get("team") or body.get("team_id") or ""
    thread_ts = event.get("thread_ts") or event["ts"]
    reply_to = ReplyTo(origin=origin, team_id=team_id, channel_id=event["channel"], user_id=event.get("user", ""), thread_ts=thread_ts)
    return IncomingQuestion(
        event_id=body["event_id"],
        team_id=team_id,
        channel_id=event["channel"],
        thread_ts=thread_ts,
        user_id=event.get("user", ""),
        text=question_text(event.get("text") or "", bot_user_id),
        reply_to=reply_to,
    )


def is_from_a_person(event: dict[str, Any]) -> bool:
    """A new message a person wrote: not an edit, deletion, join notice or bot post."""
    return event.get("subtype") in (None, "file_share") and not event.get("bot_id") and bool(event.get("user"))


def mentions(event: dict[str, Any], user_id: str | None) -> bool:
    return bool(user_id) and f"<@{user_id}" in (event.get("text") or "")


# Slack delivers an event up to four times: once, then retries 1, 2 and 3 (about 1 and 5 minutes apart).
LAST_RETRY = 3


def is_last_delivery(request: BoltRequest) -> bool:
    retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
    return retry.isdigit() and int(retry) >= LAST_RETRY
