"""Khabar's HTTP side (aiohttp): health, readiness, metrics, the export API and, in webhook mode,
the Telegram webhook. Served on HTTP_HOST:HTTP_PORT in both modes.

The webhook answers fast: it checks the secret, decodes the update and puts it on the application's
queue; `Application.start()` processes the queue as it does for polling.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram import Update

from bot.config import Settings
from bot.exports import ExportError, ExportStream, audit_export, filename, parse_filters, parse_format
from bot.runtime.context import KhabarApp
from bot.runtime.metrics import OUTBOX_DEPTH, REPORTS
from bot.runtime.update_order import PerChatOrder
from domain.vocabulary import ReportStatus
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.stats import reports_by_status

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are a few kilobytes; anything near this is not one.
# A database that drops packets (rather than refusing) must not hang the orchestrator's probe.
PING_TIMEOUT = 5.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

APP_KEY = web.AppKey("khabar_app", KhabarApp)
SETTINGS_KEY = web.AppKey("settings", Settings)
DB_KEY = web.AppKey("db", Database)


def webhook_path(settings: Settings) -> str | None:
    """The path of WEBHOOK_URL, which the reverse proxy forwards to us unchanged."""
    if not settings.webhook_url:
        return None
    return urlsplit(settings.webhook_url).path or "/"


def build_web_app(
    app: KhabarApp, settings: Settings, db: Database, *, public: bool = True, ops: bool = True
) -> web.Application:
    """The routes of one listener: `public` (export API, webhook) and/or `ops` (readiness, metrics);
    /healthz on both, as it says nothing but "alive"."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[APP_KEY], web_app[SETTINGS_KEY], web_app[DB_KEY] = app, settings, db
    web_app.on_response_prepare.append(_drop_server_header)
    web_app.router.add_get("/healthz", healthz)
    if ops:
        web_app.router.add_get("/readyz", readyz)
        web_app.router.add_get("/metrics", metrics)
    if public:
        web_app.router.add_get("/api/v1/reports", export_reports)
        path = webhook_path(settings)
        if path:
            web_app.router.add_post(path, telegram_webhook)
    return web_app


async def _drop_server_header(request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp names itself and Python's version in `Server`; a prober learns nothing from us.
    response.headers.popall("Server", None)


def ops_refused(request: web.Request) -> web.Response | None:
    """401 when OPS_TOKEN is set and the request does not carry it as a bearer token."""
    token = request.app[SETTINGS_KEY].ops_token
    if token is None:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.get_secret_value().encode()
    ):
        return None
    return _error(401, "the ops token is required", **{"WWW-Authenticate": "Bearer"})


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


# --- webhook ----------------------------------------------------------------------------------------


async def telegram_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    app = request.app[APP_KEY]
    expected = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    given = request.headers.get(SECRET_HEADER, "")
    if expected and not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("webhook call refused: wrong or missing secret token")
        return _error(401, "unauthorized")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, "body too large")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "body too large")
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update")
        update = Update.de_json(data, app.bot)
    except Exception:
        # Telegram never sends this; a probe or a broken proxy does. PTB's decoder raises whatever
        # the malformed shape provokes (KeyError, AttributeError …). Nothing is queued.
        log.warning("webhook call refused: not a Telegram update")
        return _error(400, "malformed update")
    processor = app.update_processor
    enqueue = app.update_queue.put(update)
    if isinstance(processor, PerChatOrder):
        await processor.admitted(update.update_id, enqueue)
    else:
        await enqueue
    return web.Response(status=200)


# --- health and metrics --------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    if refused := ops_refused(request):
        return refused
    app, db = request.app[APP_KEY], request.app[DB_KEY]
    problems = []
    if not await database_answers(db):
        problems.append("database unreachable")
    if not app.running:  # set by Application.start(), which needs initialize() first
        problems.append("bot not running")
    if problems:
        return web.json_response({"status": "not ready", "reasons": problems}, status=503)
    return web.json_response({"status": "ready"})


async def database_answers(db: Database) -> bool:
    try:
        return await asyncio.wait_for(db.ping(), PING_TIMEOUT)
    except TimeoutError:
        return False


async def refresh_gauges(db: Database) -> None:
    """Set the database-backed gauges; left as they were when the database does not answer."""
    try:
        async with db.session() as session:
            counts = await reports_by_status(session)
            waiting = await OutboxRepository(session).depth()
    except Exception:
        log.warning("metrics: database unreachable, gauges not refreshed")
        return
    # Every status always, so a gauge reads 0 rather than disappearing when its last report moves on.
    for status in {*ReportStatus, *counts}:
        REPORTS.labels(status).set(counts.get(status, 0))
    OUTBOX_DEPTH.set(waiting)


async def metrics(request: web.Request) -> web.Response:
    if refused := ops_refused(request):
        return refused
    await refresh_gauges(request.app[DB_KEY])
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


# --- export API -----------------------------------------------------------------------------------


def token_name(settings: Settings, header: str | None) -> str | None:
    """The name of the export token in an `Authorization: Bearer …` header, or None."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    found = None
    for name, token in settings.export_tokens.items():
        # Every token is compared (no early exit), so timing says nothing about which one matched.
        if hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
            found = name
    return found


async def export_reports(request: web.Request) -> web.StreamResponse:
    settings, db = request.app[SETTINGS_KEY], request.app[DB_KEY]
    name = token_name(settings, request.headers.get("Authorization"))
    if name is None:
        log.warning("export refused: missing or unknown token")
        return _error(401, "a valid export token is required", **{"WWW-Authenticate": "Bearer"})
    query: dict[str, Any] = dict(request.query)
    try:
        fmt = parse_format(query.get("format"))
        filters = parse_filters(query)
    except ExportError as exc:
        return _error(400, str(exc))
    if not await database_answers(db):
        # Checked before the first byte: once streaming has begun, a failure can only cut it short.
        return _error(503, "database unavailable, try again later")
    stream = ExportStream(db, fmt, filters)
    disposition = f'attachment; filename="{filename(fmt, datetime.now(UTC))}"'
    response = web.StreamResponse(
        headers={"Content-Type": fmt.media_type, "Content-Disposition": disposition}
    )
    await response.prepare(request)
    async for chunk in stream:
        await response.write(chunk.encode("utf-8"))
    await response.write_eof()
    log.info("export by %s: %s, %d reports", name, fmt.value, stream.count)
    await audit_export(db, via=f"token:{name}", actor_id=None, fmt=fmt, filters=filters, count=stream.count)
    return response


# --- serving ------------------------------------------------------------------------------------------


class WebServer:
    """The aiohttp app on a TCP port; port 0 picks a free one (tests), `port` tells which. With
    OPS_PORT set, readiness and metrics listen there instead (`ops_port`), on the same host."""

    def __init__(self, app: KhabarApp, settings: Settings, db: Database) -> None:
        separate = settings.ops_port is not None
        self.web_app = build_web_app(app, settings, db, ops=not separate)
        self.ops_app = build_web_app(app, settings, db, public=False) if separate else None
        self.ops_port_setting = settings.ops_port
        self._runners: list[web.AppRunner] = []
        self.port = 0
        self.ops_port = 0

    async def _serve(self, web_app: web.Application, host: str, port: int) -> int:
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, host, port).start()
        return int(runner.addresses[0][1])

    async def start(self, host: str, port: int) -> int:
        self.port = await self._serve(self.web_app, host, port)
        log.info("http server on %s:%d", host, self.port)
        if self.ops_app is not None and self.ops_port_setting is not None:
            self.ops_port = await self._serve(self.ops_app, host, self.ops_port_setting)
            log.info("ops endpoints on %s:%d", host, self.ops_port)
        return self.port

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []
