"""The schema, defined once. Alembic migrations must produce exactly this (a test checks it)."""

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text as sql,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The bundled model's dimension. Chunks of collections with another dimension are still stored
# (the column is untyped) and get an HNSW index of their own when such a collection is created.
DEFAULT_EMBEDDING_DIM = 384

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Collection(Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    embedding_model: Mapped[str] = mapped_column(Text, nullable=False)
    embedding_dim: Mapped[int] = mapped_column(Integer, nullable=False)
    # The collection's own similarity scale, measured after each ingest (bot/index/calibration.py).
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # How many chunks its vocabulary (collection_terms) was counted over; None: not counted yet.
    vocabulary_chunks: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created()

    documents: Mapped[list["Document"]] = relationship(back_populates="collection", passive_deletes=True)


class Document(Base):
    __tablename__ = "documents"
    # The same relative path in two folders of one collection is two documents.
    __table_args__ = (
        UniqueConstraint("collection_id", "location", "source"),
        Index("ix_documents_shown_only_in", "shown_only_in", postgresql_where=sql("shown_only_in IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), nullable=False)
    # Path relative to the ingested folder, or the URL: shown as-is in search results and answers.
    source: Mapped[str] = mapped_column(Text, nullable=False)
    # The folder, file or URL given to `docbot ingest` (resolved; URLs without credentials): a re-sync of
    # that location removes only its own documents.
    location: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    title: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    url: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    # The one Slack channel this document may be shown in (a thread saved from a private channel); None: wherever
    # its collection is seen. Retrieval filters on it next to the collection filter (bot/index/search.py).
    shown_only_in: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    collection: Mapped[Collection] = relationship(back_populates="documents")


# How each HNSW index is built. ef_construction 128 (pgvector's default is 64) builds a graph whose recall@10 at
# ef_search 100 is 0.998 at 1M chunks (0.851 with the default build) for 1.4x the build time: the searches stay
# narrow and fast as a collection grows (docs/benchmarks.md, "Recall at a million chunks"; bot/index/hnsw.py).
HNSW_BUILD = {"m": 16, "ef_construction": 128}


class Chunk(Base):
    __tablename__ = "chunks"
    __table_args__ = (
        Index("ix_chunks_document_id_position", "document_id", "position"),
        Index("ix_chunks_collection_id_content_hash", "collection_id", "content_hash"),
        Index("ix_chunks_tsv", "tsv", postgresql_using="gin"),
        Index(
            f"ix_chunks_embedding_hnsw_{DEFAULT_EMBEDDING_DIM}",
            sql(f"(embedding::vector({DEFAULT_EMBEDDING_DIM})) vector_cosine_ops"),
            postgresql_using="hnsw",
            postgresql_with=HNSW_BUILD,
            postgresql_where=sql(f"embedding_dim = {DEFAULT_EMBEDDING_DIM}"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False)
    # Denormalised from the document so a collection filter needs no join.
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    heading_path: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    embedding_dim: Mapped[int] = mapped_column(Integer, nullable=False)
    embedding: Mapped[Any] = mapped_column(Vector(), nullable=False)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english'::regconfig, heading_path || ' ' || text)", persisted=True),
    )


class CollectionTerm(Base):
    """A lexeme of a collection's full-text index and how many of its chunks have it (bot/index/vocabulary.py)."""

    __tablename__ = "collection_terms"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    lexeme: Mapped[str] = mapped_column(Text, primary_key=True)
    chunks: Mapped[int] = mapped_column(Integer, nullable=False)


class Channel(Base):
    """Per-channel options; a channel's visible collections are its ChannelCollection rows."""

    __tablename__ = "channels"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    followups_without_mention: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    # Answers only the asker sees (chat.postEphemeral), with a button to share them with the channel.
    private_answers: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    # Where its saved threads go (one of its mapped collections); None: its only collection, or `default`.
    save_collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="SET NULL"))
    # Whom the mapping serves beyond the workspace's members: people of other organisations (Slack Connect),
    # and guests. Off unless an admin said so when mapping it; an unmapped channel serves neither.
    serves_external: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    serves_guests: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    created_at: Mapped[datetime] = _created()


class ChannelCollection(Base):
    __tablename__ = "channel_collections"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.channel_id", ondelete="CASCADE"), primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "thread_ts"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(32), nullable=False)
    thread_ts: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    messages: Mapped[list["Message"]] = relationship(back_populates="conversation", order_by="Message.id")


class Message(Base):
    """One turn. A user turn with status 'pending' is a question acknowledged but not yet answered; an
    assistant turn is 'pending' from its generation until Slack has it."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_pending", "status", postgresql_where=sql("status = 'pending'")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # user | assistant
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    # user turns: pending -> answered | failed; assistant turns: answered
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="answered")
    user_id: Mapped[str | None] = mapped_column(String(32))
    event_id: Mapped[str | None] = mapped_column(String(64))
    # Where the reply goes and what it is, so a restarted bot can finish a pending answer.
    reply_to: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = _created()
    # Questions only, for one answer message across crashes: the Slack message the answer is written into
    # (stored as soon as it is created, before any text), further parts of a long answer, the answer turn
    # once generated (pending until delivered), and the answering attempts with the time the next may start.
    reply_ts: Mapped[str | None] = mapped_column(String(32))
    reply_parts: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=sql("0"))
    next_attempt_at: Mapped[datetime] = _created()

    conversation: Mapped[Conversation] = relationship(back_populates="messages", foreign_keys=[conversation_id])


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # +1 or -1
    # Who the voter was to the answer when voting: asker | admin | other. Only the first two make a 👎 a gap.
    voter: Mapped[str] = mapped_column(String(16), nullable=False, server_default="other")
    created_at: Mapped[datetime] = _created()


class SaveReview(Base):
    """A request to save a thread by someone who may not save it directly: an admin approves or rejects it."""

    __tablename__ = "save_reviews"
    __table_args__ = (Index("ix_save_reviews_status_pending", "status", postgresql_where=sql("status = 'pending'")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(32), nullable=False)
    thread_ts: Mapped[str] = mapped_column(String(32), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(32), nullable=False)
    collection: Mapped[str] = mapped_column(String(200), nullable=False)  # where it would go
    title: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")  # pending | approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = _created()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProcessedEvent(Base):
    """Slack event ids already taken: the primary key makes each event answered once across processes."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = _created()


class SyncSource(Base):
    """A folder or URL ingested into a collection, kept for re-sync (`--every`)."""

    __tablename__ = "sync_sources"
    __table_args__ = (UniqueConstraint("collection_id", "location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), nullable=False)
    location: Mapped[str] = mapped_column(Text, nullable=False)
    every_seconds: Mapped[int | None] = mapped_column(Integer)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class IngestRun(Base):
    """One ingest (in-process or a queued job): its state, summary and skipped files with reasons."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), nullable=False)
    locations: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)  # queued | running | done | failed
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=sql("'{}'::jsonb"))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AgentGreeting(Base):
    """People docbot has greeted in its Messages tab (the agent experience): each is greeted once."""

    __tablename__ = "agent_greetings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    greeted_at: Mapped[datetime] = _created()


class ChannelExperts(Base):
    """Whom a channel's "Ask an expert" mentions: Slack user IDs (U…/W…) and user group IDs (S…)."""

    __tablename__ = "channel_experts"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experts: Mapped[list[str]] = mapped_column(JSONB, nullable=False)


class ExpertRequest(Base):
    """A question handed to people because the docs fell short: at most one per thread. The experts answer in
    `posted_channel_id`/`posted_ts` (the question's own thread, or a thread in the DM escalation channel); the
    request is answered once that thread is saved as a document."""

    __tablename__ = "expert_requests"
    __table_args__ = (
        UniqueConstraint("channel_id", "thread_ts"),
        Index("ix_expert_requests_posted_channel_id_posted_ts", "posted_channel_id", "posted_ts"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), nullable=False)
    channel_id: Mapped[str] = mapped_column(String(32), nullable=False)  # where the question was asked
    thread_ts: Mapped[str] = mapped_column(String(32), nullable=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    asker_id: Mapped[str] = mapped_column(String(32), nullable=False)
    experts: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    posted_channel_id: Mapped[str | None] = mapped_column(String(32))
    posted_ts: Mapped[str | None] = mapped_column(String(32))
    replies: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=sql("'[]'::jsonb"))  # people's replies there (ts)
    document: Mapped[str | None] = mapped_column(Text)  # the saved thread's source, once answered
    created_at: Mapped[datetime] = _created()
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
