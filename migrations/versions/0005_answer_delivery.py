"""answer delivery: the Slack message an answer is written into, its stored answer, attempts and backoff

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("reply_ts", sa.String(length=32), nullable=True))
    op.add_column("messages", sa.Column("reply_parts", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False))
    op.add_column("messages", sa.Column("answer_id", sa.BigInteger(), nullable=True))
    op.add_column("messages", sa.Column("attempts", sa.SmallInteger(), server_default=sa.text("0"), nullable=False))
    op.add_column("messages", sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False))
    op.create_foreign_key(op.f("fk_messages_answer_id_messages"), "messages", "messages", ["answer_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.drop_constraint(op.f("fk_messages_answer_id_messages"), "messages", type_="foreignkey")
    for column in ("next_attempt_at", "attempts", "answer_id", "reply_parts", "reply_ts"):
        op.drop_column("messages", column)
