"""Prometheus metrics of the Slack side, served at `GET /metrics`."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter("docbot_slack_requests_total", "Requests from Slack, by kind", ["kind"])
DUPLICATES = Counter("docbot_slack_duplicate_events_total", "Slack deliveries ignored because their event was already taken")
ACK_SECONDS = Histogram(
    "docbot_slack_ack_seconds", "Time to acknowledge a request from Slack", buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
)
ANSWERS = Counter("docbot_answers_total", "Questions finished, by outcome", ["outcome"])
ANSWER_SECONDS = Histogram(
    "docbot_answer_seconds", "Time from starting an answer to delivering it", buckets=(0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)
)
ERRORS = Counter("docbot_errors_total", "Failures while answering, by kind", ["kind"])
