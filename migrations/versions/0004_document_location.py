"""documents: the location a document came from is part of its identity

Two folders ingested into one collection may each hold `README.md`: each is its own document now,
unique on (collection, location, source) instead of (collection, source). The location moves out of
the `metadata` JSON, where earlier versions kept it, into its own column.

Revision ID: 0004
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("location", sa.Text(), server_default="", nullable=False))
    op.execute(
        "UPDATE documents SET location = metadata->>'location', metadata = metadata - 'location'"
        " WHERE metadata ? 'location'"
    )
    op.drop_constraint("uq_documents_collection_id_source", "documents", type_="unique")
    op.create_unique_constraint(
        "uq_documents_collection_id_location_source", "documents", ["collection_id", "location", "source"]
    )


def downgrade() -> None:
    # The old schema holds one document per source: the most recently updated of each is kept.
    op.execute(
        "DELETE FROM documents d USING documents e"
        " WHERE d.collection_id = e.collection_id AND d.source = e.source AND (d.updated_at, d.id) < (e.updated_at, e.id)"
    )
    op.execute(
        "UPDATE documents SET metadata = metadata || jsonb_build_object('location', location) WHERE location <> ''"
    )
    op.drop_constraint("uq_documents_collection_id_location_source", "documents", type_="unique")
    op.create_unique_constraint("uq_documents_collection_id_source", "documents", ["collection_id", "source"])
    op.drop_column("documents", "location")
