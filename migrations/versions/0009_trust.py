"""Who may see and add to what (issue 20): documents shown only where they came from, a channel's save collection
and whom its mapping serves, who cast each vote, and the review list of saves.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("shown_only_in", sa.String(length=32), nullable=True))
    op.create_index("ix_documents_shown_only_in", "documents", ["shown_only_in"], postgresql_where=sa.text("shown_only_in IS NOT NULL"))
    op.add_column("channels", sa.Column("save_collection_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_channels_save_collection_id_collections", "channels", "collections", ["save_collection_id"], ["id"], ondelete="SET NULL"
    )
    op.add_column("channels", sa.Column("serves_external", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("channels", sa.Column("serves_guests", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("feedback", sa.Column("voter", sa.String(length=16), server_default="other", nullable=False))
    # Votes already cast by the person who asked keep counting as theirs.
    op.execute(
        """
        UPDATE feedback f SET voter = 'asker'
        FROM messages a JOIN messages q ON q.id = (a.reply_to->>'question_id')::bigint
        WHERE a.id = f.message_id AND q.user_id = f.user_id
        """
    )
    op.create_table(
        "save_reviews",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_save_reviews"),
    )
    op.create_index("ix_save_reviews_status_pending", "save_reviews", ["status"], postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_save_reviews_status_pending", table_name="save_reviews", postgresql_where=sa.text("status = 'pending'"))
    op.drop_table("save_reviews")
    op.drop_column("feedback", "voter")
    op.drop_column("channels", "serves_guests")
    op.drop_column("channels", "serves_external")
    op.drop_constraint("fk_channels_save_collection_id_collections", "channels", type_="foreignkey")
    op.drop_column("channels", "save_collection_id")
    op.drop_index("ix_documents_shown_only_in", table_name="documents", postgresql_where=sa.text("shown_only_in IS NOT NULL"))
    op.drop_column("documents", "shown_only_in")
