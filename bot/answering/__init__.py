"""Answering: a question and its thread → retrieve → relevance → evidence → compose → verify → deliver: a cited
answer or an honest "not in the docs". It reads the search index (bot/index) and the LLM backends (llm/).
"""
