"""Benchmarks that print figures: docbot against a LangChain baseline, HNSW at scale, the local LLM."""
