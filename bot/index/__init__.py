"""The search index both sides share: documents and their chunks, hybrid search, each collection's vocabulary
and similarity scale, and how words are read.

Ingestion writes through it (`store`, `chunk_writer`, `collections`, and `vocabulary` / `calibration` at the end
of an ingest); answering reads through it (`search` with `hnsw`, `keyword_query`, `vocabulary`, `calibration`, `terms`).
It imports neither side.
"""
