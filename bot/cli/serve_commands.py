"""`docbot serve`: the Slack bot over HTTP (uvicorn) or Socket Mode."""

import logging
import threading

import typer

from bot.cli.context import cli_context

logger = logging.getLogger(__name__)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("0.0.0.0", envvar="DOCBOT_HOST", help="Address to listen on [env DOCBOT_HOST]"),
    port: int = typer.Option(3000, envvar="PORT", help="Port for /slack/events, /healthz and /metrics [env PORT]"),
    socket_mode: bool = typer.Option(
        False, "--socket-mode", envvar="DOCBOT_SOCKET_MODE", help="Receive events over Socket Mode with SLACK_APP_TOKEN [env DOCBOT_SOCKET_MODE]"
    ),
    answer_threads: int = typer.Option(
        4, min=1, envvar="DOCBOT_ANSWER_THREADS", help="Questions answered at the same time [env DOCBOT_ANSWER_THREADS]"
    ),
) -> None:
    """Run the Slack bot: answers mentions, DMs, the assistant pane and /ask."""
    from bot.answering.service import AnswerService
    from bot.slack.app import build_bot

    context = cli_context(ctx)
    database = context.database()
    answerer = AnswerService(context.settings, database)
    bot = build_bot(context.settings, database, answerer, socket_mode=socket_mode, answer_threads=answer_threads)
    # Models load in the background: Slack gets acknowledgements at once, the first answer waits for them.
    threading.Thread(target=_warm_up, args=(answerer,), name="docbot-warm-up", daemon=True).start()
    if socket_mode:
        from bot.slack.socket_mode import serve_socket_mode

        serve_socket_mode(bot, context.settings, host, port)
    else:
        from bot.slack.server import serve as serve_http

        serve_http(bot, host, port)


def _warm_up(answerer) -> None:
    try:
        answerer.warm_up()
    except Exception:  # noqa: BLE001 - the first question will raise it again, and get a :warning: reply
        logger.exception("loading the models failed")
