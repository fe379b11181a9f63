"""collection_terms: each collection's vocabulary (lexeme → chunks having it), for the answering's word look-ups

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_terms",
        sa.Column("collection_id", sa.Integer(), sa.ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lexeme", sa.Text(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "lexeme"),
    )
    op.add_column("collections", sa.Column("vocabulary_chunks", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("collections", "vocabulary_chunks")
    op.drop_table("collection_terms")
