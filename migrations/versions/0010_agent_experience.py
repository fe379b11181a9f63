"""Reserved for the agent experience, experts and escalations (issue 21): the revision chain is fixed before that work lands, so its branches merge cleanly.

Revision ID: 0010
Revises: 0009
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
