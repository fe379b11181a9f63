"""The HTTP server: Bolt's Starlette adapter at `POST /slack/events`, `GET /healthz` and `GET /metrics`, on uvicorn.

In Socket Mode events arrive over Slack's websocket instead, and the server keeps only health and metrics.
"""

import logging
from contextlib import asynccontextmanager

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.starlette.handler import SlackRequestHandler, to_bolt_request, to_starlette_response
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.db.engine import Database
from bot.slack import metrics
from bot.slack.app import SlackBot

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """Bolt's Starlette adapter for the sync App, with `dispatch` run on a worker thread.

    The stock handler calls the sync `dispatch` on the event loop, so one slow acknowledgement (a database
    write) would hold up every other request; here acknowledgements proceed side by side.
    """

    async def handle(self, req: Request, addition_context_properties=None) -> Response:
        if req.method != "POST":
            return await super().handle(req, addition_context_properties)
        body = await req.body()
        with metrics.ACK_SECONDS.time():
            bolt_response = await run_in_threadpool(self.app.dispatch, to_bolt_request(req, body, addition_context_properties))
        return to_starlette_response(bolt_response)


def create_asgi_app(bot: SlackBot, *, serve_events: bool = True) -> Starlette:
    handler = ThreadedSlackRequestHandler(bot.app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        reachable = await run_in_threadpool(database_reachable, bot.database)
        return JSONResponse({"status": "ok" if reachable else "database unreachable"}, status_code=200 if reachable else 503)

    async def metrics_page(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        bot.start()
        try:
            yield
        finally:
            await run_in_threadpool(bot.stop)

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"])]
    if serve_events:
        routes.append(Route(EVENTS_PATH, events, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


def database_reachable(database: Database) -> bool:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means not healthy; the reason goes to the log
        logger.warning("health check: database unreachable at %s", database.describe(), exc_info=True)
        return False


def uvicorn_server(bot: SlackBot, host: str, port: int, *, serve_events: bool = True) -> uvicorn.Server:
    config = uvicorn.Config(
        create_asgi_app(bot, serve_events=serve_events),
        host=host,
        port=port,
        log_config=None,  # docbot's logging (secrets scrubbed) handles uvicorn's records
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    return uvicorn.Server(config)


def serve(bot: SlackBot, host: str, port: int) -> None:
    logger.info("serving Slack events host=%s port=%d path=%s", host, port, EVENTS_PATH)
    uvicorn_server(bot, host, port).run()
