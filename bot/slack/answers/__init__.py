"""Answering and delivering: the worker that claims questions, the job that answers one, and each way an answer
reaches Slack (streamed in the thread, privately to the asker, ephemeral for `/ask`), sharing and feedback."""
