"""Running the application: database upgrade, then polling (or webhook) until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import ConfigError, Settings
from bot.runtime.application import build_application
from bot.runtime.context import KhabarApp
from bot.runtime.web import WebServer
from storage.db import Database
from storage.instance_lock import InstanceLock
from storage.migrate import upgrade

log = logging.getLogger(__name__)

# The update types the handlers use; Telegram sends nothing else (less traffic, smaller surface).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def check_webhook_settings(settings: Settings) -> None:
    """Webhook mode needs a secret: without one anybody who guesses the URL could post updates."""
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError(
            "WEBHOOK_SECRET: required when WEBHOOK_URL is set (1-256 characters of A-Z, a-z, 0-9, _ and -)"
        )


@asynccontextmanager
async def running_bot(
    settings: Settings, *, token: str | None = None, db: Database | None = None
) -> AsyncIterator[KhabarApp]:
    """An upgraded database, the HTTP server, and a started application receiving updates by
    polling, or by webhook when WEBHOOK_URL is set. `db` (tests) is used and left open."""
    check_webhook_settings(settings)
    instance = InstanceLock.for_url(settings.database_url)
    if instance is not None:
        instance.acquire()  # before anything touches the file: a second instance stops here
    database = db or Database(settings.database_url)
    await upgrade(database)
    app = build_application(settings, database, token=token)
    server = WebServer(app, settings, database)
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        # Listening before the webhook is registered, so Telegram's first delivery finds us.
        try:
            await server.start(settings.http_host, settings.http_port)
        except OSError as exc:
            variable = "HTTP_PORT" if exc.errno == errno.EADDRINUSE else "HTTP_HOST"
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ConfigError(
                f"{variable}: cannot listen on {settings.http_host}:{settings.http_port} ({reason}); "
                "choose another, or HTTP_PORT=0 for any free port"
            ) from None
        await app.start()
        if settings.webhook_url:
            assert settings.webhook_secret is not None
            await app.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("bot started (webhook)")
        else:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=30, drop_pending_updates=False)
            log.info("bot started (polling)")
        yield app
    finally:
        if app.updater and app.updater.running:
            await app.updater.stop()
        await server.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:  # the services leave the other replicas (the leader lock goes first)
            await app.post_shutdown(app)
        if db is None:
            await database.dispose()
        if instance is not None:
            instance.release()


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run(settings: Settings) -> None:
    async with running_bot(settings):
        await wait_for_signal()
    log.info("bot stopped")
