"""The HNSW indexes are built with ef_construction 128 (was pgvector's default, 64): recall@10 at ef_search 100
is 0.998 at 1M chunks instead of 0.851 (docs/benchmarks.md, "Recall at a million chunks").

Every chunks HNSW index is rebuilt in place: the schema's own (384 dimensions) and those made for other
dimensions at run time. The rebuild holds the table's lock while it runs (about 30 minutes at 1M chunks on two
cores; seconds for a team's docs): searches and ingests wait for it.

Revision ID: 0014
Revises: 0010
"""

from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

RUNTIME_INDEX_PREFIX = "ix_chunks_embedding_hnsw_"  # as bot/db/schema_filter.py: a migration keeps its own copy


def _hnsw_indexes() -> list[str]:
    rows = op.get_bind().execute(
        text("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexname LIKE :prefix ORDER BY indexname"),
        {"prefix": RUNTIME_INDEX_PREFIX + "%"},
    )
    return [row[0] for row in rows]


def upgrade() -> None:
    # A graph that fits in maintenance_work_mem builds many times faster (1M 384-d rows: about 3 GB). It is a
    # limit, not an allocation: a small index uses what it needs. For this transaction only.
    op.execute("SET LOCAL maintenance_work_mem = '3GB'")
    for name in _hnsw_indexes():
        op.execute(f'ALTER INDEX "{name}" SET (m = 16, ef_construction = 128)')
        op.execute(f'REINDEX INDEX "{name}"')


def downgrade() -> None:
    for name in _hnsw_indexes():
        op.execute(f'ALTER INDEX "{name}" RESET (m, ef_construction)')
        op.execute(f'REINDEX INDEX "{name}"')
