"""Reserved for answering (issue 19): the revision chain is fixed before that work lands, so its branches merge cleanly.

Revision ID: 0012
Revises: 0010
"""

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
