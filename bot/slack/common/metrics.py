"""Prometheus metrics of the Slack side, served at `GET /metrics` on a port of their own (METRICS_PORT).

A process serves the metrics it counts: `docbot serve` its acknowledgements (and answers, when it answers
itself), each answer worker process its answers.
"""

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Histogram, start_http_server

logger = logging.getLogger(__name__)

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


def start_metrics_server(host: str, port: int) -> WSGIServer:
    """Serves `/metrics` on its own port (a daemon thread), apart from the public Slack endpoint."""
    server, _ = start_http_server(port, addr=host)
    logger.info("serving metrics host=%s port=%d path=/metrics", host, port)
    return server
