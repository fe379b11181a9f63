"""channels.private_answers: per channel, answers only the asker sees

Revision ID: 0007
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channels", sa.Column("private_answers", sa.Boolean(), server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    op.drop_column("channels", "private_answers")
