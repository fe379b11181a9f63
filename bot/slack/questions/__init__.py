"""Taking questions in: what a question is, storing it before the ack (deduplicated on its event id), the queue
answer workers claim it from, and the conversation history follow-ups read."""
