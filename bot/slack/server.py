"""The HTTP server: Bolt's Starlette adapter at `POST /slack/events`, `GET /healthz` and `GET /livez`, on uvicorn.

`/livez` is 200 while the process serves requests; `/healthz` (readiness) is 200 once the database answers
and the models are loaded, 503 before. `/slack/events` refuses a body over 1 MB (413) before reading the rest
of it or checking its signature. Metrics are not served here: see `metrics.start_metrics_server` (their own
port, off unless asked for). In Socket Mode events arrive over Slack's websocket and only health is served.
"""

import logging
from contextlib import asynccontextmanager

import uvicorn
from slack_bolt.adapter.starlette.handler import SlackRequestHandler, to_bolt_request, to_starlette_response
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.db.engine import Database
from bot.slack.common import metrics
from bot.slack.app import SlackBot

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's payloads are a few kilobytes; anything this big is not from Slack and is not read to the end.
MAX_EVENT_BYTES = 1024 * 1024


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """Bolt's Starlette adapter for the sync App, with `dispatch` run on a worker thread.

    The stock handler calls the sync `dispatch` on the event loop, so one slow acknowledgement (a database
    write) would hold up every other request; here acknowledgements proceed side by side.
    """

    async def handle_body(self, req: Request, body: bytes) -> Response:
        with metrics.ACK_SECONDS.time():
            bolt_response = await run_in_threadpool(self.app.dispatch, to_bolt_request(req, body))
        return to_starlette_response(bolt_response)


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over `limit` bytes (by its Content-Length, or while read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def create_asgi_app(bot: SlackBot, *, serve_events: bool = True) -> Starlette:
    handler = ThreadedSlackRequestHandler(bot.app)

    async def events(request: Request) -> Response:
        body = await read_limited(request, MAX_EVENT_BYTES)
        if body is None:
            logger.warning("refused a request body over %d bytes", MAX_EVENT_BYTES)
            return PlainTextResponse("Request body too large", status_code=413, headers={"Connection": "close"})
        return await handler.handle_body(request, body)

    async def healthz(request: Request) -> Response:
        if not await run_in_threadpool(database_reachable, bot.database):
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        if not bot.ready():
            return JSONResponse({"status": "loading models"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def livez(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    @asynccontextmanager
    async def lifespan(app: Starlette):
        bot.start()
        try:
            yield
        finally:
            await run_in_threadpool(bot.stop)

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/livez", livez, methods=["GET"])]
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
