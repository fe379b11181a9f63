"""What a question is on the Slack side: who asked, where, and where its answer goes."""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ReplyTo:
    """Where an answer is delivered. Stored with the question so a restarted bot can still deliver it."""

    origin: str  # mention | followup | dm | assistant | ask | shortcut
    team_id: str
    channel_id: str
    user_id: str
    thread_ts: str | None = None  # the thread to answer in (None for /ask)
    response_url: str | None = None  # /ask answers go here, only the asker sees them
    private: bool | None = None  # answered in the thread with chat.postEphemeral: the channel wants private answers

    @property
    def in_thread(self) -> bool:
        return self.thread_ts is not None and self.response_url is None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ReplyTo":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class IncomingQuestion:
    """A question as the listener saw it, before it is stored."""

    event_id: str  # Slack's event id (or a key derived from the slash command's trigger id)
    team_id: str
    channel_id: str
    thread_ts: str  # the conversation key: the Slack thread, or a synthetic key for /ask
    user_id: str
    text: str
    reply_to: ReplyTo


@dataclass(frozen=True)
class StoredQuestion:
    id: int
    conversation_id: int
    text: str
    status: str
    reply_to: ReplyTo
    is_first: bool  # the first question of its conversation (an assistant thread gets its title from it)
    reply_messages: tuple[str, ...] = ()  # Slack messages an earlier attempt wrote the answer into (ts)
    answer_id: int | None = None  # the answer an earlier attempt generated but may not have delivered
