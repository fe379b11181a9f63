"""docbot ingestion: load shared docs, split them by structure, embed them, keep pgvector in step."""
