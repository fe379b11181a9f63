"""Saving a solved Slack thread as a document of the channel's save collection (a knowledge job: `docbot serve`
runs them in-process, `docbot worker` anywhere).

The whole thread (conversations.replies) becomes one Markdown document, `slack:CHANNEL/THREAD_TS`, linked to
the thread's permalink, ingested through the pipeline's hash → chunk → embed → swap: saving again updates it,
and costs nothing when the thread hasn't changed. DMs and channels shared outside the workspace are refused.

Who adds to the docs: the person who asked the thread's first question, and ADMIN_USERS, save at once (a
re-save too); anyone else's save waits for an admin on the review list (`save_reviews`). Where it goes: the
channel's save collection (`channel_map.save_collection`). Who sees it: a thread of a private channel is shown
only in that channel (`documents.shown_only_in`).
"""

import logging
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Conversation, Message
from bot.errors import ChannelCheckFailed, SlackError
from bot.settings import Settings
from bot.slack.common import texts
from bot.slack.common.access import ChannelAccess
from bot.slack.common.channel_map import save_collection
from bot.slack.knowledge.save_reviews import APPROVED, REJECTED, get_review, open_review
from bot.slack.knowledge.thread_document import ThreadMessage, slack_to_text, thread_markdown, thread_title
from bot.slack.knowledge.user_names import UserNames
from ingestion.pipeline import InMemoryDocument, ingest_document

logger = logging.getLogger(__name__)

MAX_THREAD_MESSAGES = 1000  # Slack threads rarely pass a few hundred; past this the rest is left out
_KEPT_SUBTYPES = (None, "thread_broadcast", "file_share", "bot_message")
# Docbot's own notices (failures, refusals, the placeholder) say nothing about the answer.
_NOTICE_PREFIXES = (":warning:", ":lock:", ":hourglass_flowing_sand:", ":raising_hand:")  # the last: experts mentioned


@dataclass(frozen=True)
class SaveRequest:
    team_id: str
    channel_id: str
    thread_ts: str  # the thread's first message
    user_id: str  # who asked for the save: the confirmation goes to them only
    response_url: str | None = None  # from a shortcut; a reaction gets chat.postEphemeral instead
    channel_name: str = ""  # from a shortcut: "directmessage" or "mpdm-…" for DMs
    review_id: int | None = None  # an admin decided this save's review: it runs (approved) or is told why not
    # Set only by ExpertDesk.save_for_reaction, once it checked that the ✅ came from the question's asker or one of
    # the experts an admin named for this thread: the admin's naming is the grant, so the save needs no review.
    expert_thread: bool = False

    def to_job(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}

    @property
    def source(self) -> str:
        return f"slack:{self.channel_id}/{self.thread_ts}"

    @property
    def is_direct_message(self) -> bool:
        return self.channel_id.startswith("D") or self.channel_name == "directmessage" or self.channel_name.startswith("mpdm-")


@dataclass(frozen=True)
class SaveOutcome:
    saved: bool
    text: str  # what the saver is told
    collection: str | None = None
    review_id: int | None = None  # waiting for an admin


class ThreadSaver:
    def __init__(self, database: Database, settings: Settings, client: WebClient) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.access = ChannelAccess(database, client)
        self.names = UserNames(client)
        self._me: dict[str, Any] | None = None

    def save(self, request: SaveRequest) -> SaveOutcome:
        review = get_review(self.database, request.review_id) if request.review_id is not None else None
        if review is not None and review.status == REJECTED:
            return SaveOutcome(False, texts.SAVE_REJECTED)
        refusal = self._refusal(request)
        if refusal:
            return SaveOutcome(False, refusal)
        collection = save_collection(self.database, request.channel_id)
        if collection is None:
            return SaveOutcome(False, texts.SAVE_NO_COLLECTION.format(channel=request.channel_id))
        try:
            raw = self._replies(request)
        except SlackApiError as error:
            code = error.response.get("error")
            if code in ("not_in_channel", "channel_not_found", "missing_scope"):
                return SaveOutcome(False, texts.SAVE_NOT_IN_CHANNEL)
            raise SlackError(f"conversations.replies failed: {code}") from None
        messages = self._messages(raw, request)
        if not messages:
            return SaveOutcome(False, texts.SAVE_EMPTY)
        title = thread_title(messages[0].text)
        approved = review is not None and review.status == APPROVED and review.thread == (request.channel_id, request.thread_ts)
        if not approved and not self._may_save_directly(request, raw):
            waiting = open_review(self.database, team_id=request.team_id, channel_id=request.channel_id, thread_ts=request.thread_ts,
                                  requested_by=request.user_id, collection=collection, title=title)
            logger.info("save waits for review source=%s review=%s", request.source, waiting.id)
            return SaveOutcome(False, texts.SAVE_WAITING_REVIEW.format(collection=collection), review_id=waiting.id)
        # A private channel's thread is shown there only; a public one wherever its collection is seen.
        shown_only_in = request.channel_id if self.access.place(request.channel_id).private else None
        document = InMemoryDocument(
            source=request.source, markdown=thread_markdown(title, messages), url=self._permalink(request), shown_only_in=shown_only_in
        )
        summary = ingest_document(self.database, self.settings, document, collection)
        if summary.skipped:
            return SaveOutcome(False, texts.SAVE_SKIPPED.format(reason=summary.skipped[0][1]))
        change = "added" if summary.added else "updated" if summary.updated else "unchanged"
        logger.info(
            "thread saved source=%s collection=%s change=%s messages=%d shown_only_in=%s", request.source, collection, change, len(messages), shown_only_in
        )
        return SaveOutcome(True, texts.THREAD_SAVED.format(collection=collection, title=title, change=texts.THREAD_CHANGE[change]), collection)

    def tell(self, request: SaveRequest, text: str) -> None:
        """The saver's ephemeral confirmation: through the shortcut's response_url, else chat.postEphemeral."""
        if request.response_url:
            response = WebhookClient(request.response_url).send(text=text, response_type="ephemeral", replace_original=False)
            if response.status_code != 200:
                raise SlackError(f"response_url post failed: HTTP {response.status_code}")
            return
        try:
            self.client.chat_postEphemeral(channel=request.channel_id, user=request.user_id, text=text, thread_ts=request.thread_ts)
        except SlackApiError as error:
            raise SlackError(f"chat.postEphemeral failed: {error.response.get('error')}") from None

    # -- steps ------------------------------------------------------------------------------------------------

    def _refusal(self, request: SaveRequest) -> str | None:
        if request.is_direct_message:
            return texts.SAVE_REFUSED_DM
        try:
            shared = self.access.is_externally_shared(request.channel_id)
            self.access.person(request.user_id, request.team_id)  # asked now: a failure refuses before any work
        except ChannelCheckFailed:
            logger.warning("channel check failed, not saving channel=%s", request.channel_id)
            return texts.FAILED_SAVE_CHANNEL_CHECK
        return texts.SAVE_REFUSED_SHARED if shared else None

    def _may_save_directly(self, request: SaveRequest, raw: list[dict[str, Any]]) -> bool:
        """An admin; the workspace member who asked the thread's first question; in a thread put to experts, its
        asker or one of its experts."""
        if request.user_id in self.settings.admin_users:
            return True
        first = next((m for m in raw if m.get("ts") == request.thread_ts), None)
        if not request.expert_thread and (first is None or first.get("user") != request.user_id):
            return False
        person = self.access.person(request.user_id, request.team_id)
        return not person.external and not person.guest

    def _replies(self, request: SaveRequest) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        while len(found) < MAX_THREAD_MESSAGES:
            page = self.client.conversations_replies(channel=request.channel_id, ts=request.thread_ts, limit=200, cursor=cursor)
            found += page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return found[:MAX_THREAD_MESSAGES]

    def _messages(self, raw: list[dict[str, Any]], request: SaveRequest) -> list[ThreadMessage]:
        me = self._identity()
        abstained = self._abstained_answers(request)
        bot_name = str(me.get("user") or "docbot")

        def name_of(user_id: str) -> str:
            return bot_name if user_id == me.get("user_id") else self.names.name_of(user_id)

        messages = []
        for message in sorted(raw, key=lambda m: float(m.get("ts", 0))):
            if message.get("subtype") not in _KEPT_SUBTYPES:
                continue
            ours = (bool(message.get("bot_id")) and message.get("bot_id") == me.get("bot_id")) or message.get("user") == me.get("user_id")
            text = slack_to_text(message.get("text") or "", name_of)
            if ours and (text.startswith(_NOTICE_PREFIXES) or message.get("ts") in abstained):
                continue
            if text:
                messages.append(ThreadMessage(author=bot_name if ours else self._author(message), text=text))
        return messages

    def _author(self, message: dict[str, Any]) -> str:
        if message.get("bot_id") and not message.get("user"):
            return str((message.get("bot_profile") or {}).get("name") or message.get("username") or "a bot")
        return self.names.name_of(message.get("user", ""))

    def _identity(self) -> dict[str, Any]:
        if self._me is None:
            try:
                self._me = dict(self.client.auth_test().data)
            except SlackApiError as error:
                raise SlackError(f"auth.test failed: {error.response.get('error')}") from None
        return self._me

    def _abstained_answers(self, request: SaveRequest) -> set[str]:
        with self.database.session() as session:
            rows = session.scalars(
                select(Message.slack_ts)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Conversation.channel_id == request.channel_id,
                    Conversation.thread_ts == request.thread_ts,
                    Message.role == "assistant",
                    Message.reply_to["abstained"].as_boolean().is_(True),
                    Message.slack_ts.is_not(None),
                )
            ).all()
        return set(rows)

    def _permalink(self, request: SaveRequest) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=request.channel_id, message_ts=request.thread_ts)["permalink"])
        except SlackApiError as error:
            logger.info("no permalink channel=%s error=%s", request.channel_id, error.response.get("error"))
            return None
