"""`docbot serve`: the Slack bot over HTTP (uvicorn) or Socket Mode."""

import typer

from bot.cli.context import cli_context


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
    bot = build_bot(context.settings, database, AnswerService(context.settings, database), socket_mode=socket_mode, answer_threads=answer_threads)
    if socket_mode:
        from bot.slack.socket_mode import serve_socket_mode

        serve_socket_mode(bot, context.settings, host, port)
    else:
        from bot.slack.server import serve as serve_http

        serve_http(bot, host, port)
