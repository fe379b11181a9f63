"""agent_greetings, channel_experts, expert_requests: the agent experience's greeting, and asking an expert (issue 21)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_greetings",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("greeted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_agent_greetings"),
    )
    op.create_table(
        "channel_experts",
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("experts", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name="pk_channel_experts"),
    )
    op.create_table(
        "expert_requests",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("asker_id", sa.String(32), nullable=False),
        sa.Column("experts", JSONB(), nullable=False),
        sa.Column("posted_channel_id", sa.String(32), nullable=True),
        sa.Column("posted_ts", sa.String(32), nullable=True),
        sa.Column("replies", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_expert_requests"),
        sa.ForeignKeyConstraint(["question_id"], ["messages.id"], name="fk_expert_requests_question_id_messages", ondelete="CASCADE"),
        sa.UniqueConstraint("channel_id", "thread_ts", name="uq_expert_requests_channel_id_thread_ts"),
    )
    op.create_index("ix_expert_requests_posted_channel_id_posted_ts", "expert_requests", ["posted_channel_id", "posted_ts"])


def downgrade() -> None:
    op.drop_table("expert_requests")
    op.drop_table("channel_experts")
    op.drop_table("agent_greetings")
