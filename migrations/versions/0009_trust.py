"""Reserved for who may see and add to what (issue 20): the revision chain is fixed before that work lands, so its branches merge cleanly.

Revision ID: 0009
Revises: 0008
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
