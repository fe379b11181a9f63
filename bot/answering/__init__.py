"""Answering: hybrid retrieval, the history-aware chain with citations, LLM backends, and the guard."""
