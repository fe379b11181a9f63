"""Which database objects the models own, for Alembic's comparison.

The task queue's tables (procrastinate_*) come from procrastinate's own schema, and HNSW indexes for
non-default embedding dimensions are made at run time when such a collection is created.
"""

from bot.db.models import DEFAULT_EMBEDDING_DIM

RUNTIME_INDEX_PREFIX = "ix_chunks_embedding_hnsw_"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if name and name.startswith("procrastinate"):
        return False
    if type_ == "index" and name and name.startswith(RUNTIME_INDEX_PREFIX):
        return name == f"{RUNTIME_INDEX_PREFIX}{DEFAULT_EMBEDDING_DIM}"
    if type_ == "table" and reflected and compare_to is None and name == "alembic_version":
        return False
    return True
