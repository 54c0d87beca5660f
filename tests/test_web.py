"""The HTTP side (bot.runtime.web): webhook mode through the emulator, webhook refusals, health and readiness,
metrics, and the export API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, load_settings
from bot.emulator import EmulatorServer
from bot.runtime.application import SANDBOX_TOKEN, build_application
from bot.runtime.runner import running_bot
from bot.runtime.web import WebServer
from domain.vocabulary import OutboxKind
from storage.db import Database
from storage.outbox import enqueue
from tests.botproc import BotProcess, khabar
from tests.conftest import BotFactory
from tests.export_helpers import REPORTER_ID, add_report
from tests.harness import BotHarness

SECRET = "webhook-Secret_0123456789"
EXPORT_TOKEN = "partner-token-0123456789abcdef"
OTHER_TOKEN = "another-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def update_json(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Web", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1764000000,
            "chat": {"id": user_id, "type": "private", "first_name": "Web"},
            "from": user,
            "text": text,
        },
    }


@contextlib.asynccontextmanager
async def served(bot: BotHarness, db: Database | None = None) -> AsyncIterator[str]:
    """bot.runtime.web for the harness's application on a free port; yields its base URL."""
    assert bot.app is not None
    server = WebServer(bot.app, bot.settings, db or bot.db)
    port = await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


@pytest.fixture
async def web_bot(bot_factory: BotFactory) -> BotHarness:
    """A polling bot whose settings also configure the webhook route and export tokens."""
    return await bot_factory(
        webhook_url="https://khabar.example.org/telegram/webhook",
        webhook_secret=SECRET,
        export_tokens=f"ocha:{EXPORT_TOKEN}, who:{OTHER_TOKEN}",
        # The outbox sender stays off so the outbox depth read by /metrics is what the test wrote.
        background_jobs=False,
    )


# --- webhook mode -----------------------------------------------------------------------------------


async def test_webhook_mode_through_the_emulator(db: Database) -> None:
    emulator = EmulatorServer()
    base = await emulator.start()
    port = free_port()
    settings = load_settings(
        _env_file=None,
        database_url=db.url,
        telegram_base_url=base,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret=SECRET,
        http_port=port,
        admin_ids="",
    )
    harness = BotHarness(db=db, emulator=emulator, settings=settings)
    try:
        async with running_bot(settings, token=SANDBOX_TOKEN, db=db) as app:
            harness.watch(app)
            state = emulator.state
            assert state.webhook == {"url": settings.webhook_url, "secret_token": SECRET}
            assert app.updater is None or not app.updater.running  # no polling in webhook mode

            user = await harness.user(301, "Hooked", "en")
            await user.send("/start")
            assert user.last_text == "Welcome to Khabar. Choose your language:"
            # Counted when the bot's quick answer is back at the emulator, not when the reply is sent.
            for _ in range(500):
                if state.counters["webhook_deliveries"]:
                    break
                await asyncio.sleep(0.02)
            assert state.counters["webhook_deliveries"] >= 1

            # Telegram posting with a secret we do not know: refused, and nothing processed ...
            state.webhook["secret_token"] = "not-our-secret"
            replies = len(user.replies)
            update_id = state.send_text(301, "/help")
            await wait_until(lambda: state.counters["webhook_failures"] >= 2, "refused deliveries")
            assert not harness.was_processed(update_id)
            assert len(user.replies) == replies
            # ... and, as Telegram keeps retrying, delivered once the secret is right again.
            state.webhook["secret_token"] = SECRET
            await harness.process(update_id)
            assert "/help" in user.last_text
    finally:
        await emulator.stop()


async def test_khabar_run_in_webhook_mode(db: Database, tmp_path: Path) -> None:
    """`khabar run` as a real process: registers the webhook, answers through it, serves /readyz."""
    emulator = EmulatorServer()
    await emulator.start()
    port = free_port()
    # `db` is requested so the tables are emptied afterwards on PostgreSQL, where the bot shares them.
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    bot = BotProcess(
        emulator,
        tmp_path,
        url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/hook/khabar",
        WEBHOOK_SECRET=SECRET,
    )
    bot.env["HTTP_PORT"] = str(port)  # the port the webhook URL names
    state = emulator.state
    state.add_user(304, "Proc", "en")
    bot.start()
    try:
        await bot.until(lambda: bool(state.webhook.get("url")), "the webhook registration")
        assert state.webhook["secret_token"] == SECRET
        [welcome] = await bot.send(304, "/start")
        assert welcome.text == "Welcome to Khabar. Choose your language:"
        # Counted when the bot's quick answer is back at the emulator, not when the reply is sent.
        await bot.until(lambda: state.counters["webhook_deliveries"] == 1, "the delivery's answer")
        assert "getupdates" not in emulator.api_calls
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            assert resp.status == 200
        assert await bot.stop() == 0
    finally:
        bot.kill()
        await emulator.stop()
    assert SECRET not in bot.output()


async def test_webhook_mode_needs_a_secret(db: Database) -> None:
    settings = load_settings(
        _env_file=None, database_url=db.url, webhook_url="https://khabar.example.org/hook"
    )
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET: required when WEBHOOK_URL is set"):
        async with running_bot(settings, token=SANDBOX_TOKEN, db=db):
            pass


async def test_cli_refuses_webhook_without_secret(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    env |= {"BOT_TOKEN": SANDBOX_TOKEN, "WEBHOOK_URL": "https://khabar.example.org/hook"}
    result = await asyncio.to_thread(khabar, "run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khabar: invalid configuration: WEBHOOK_SECRET: required when WEBHOOK_URL is set "
        "(1-256 characters of A-Z, a-z, 0-9, _ and -)"
    ]


async def test_webhook_refuses_bad_calls_and_processes_nothing(web_bot: BotHarness) -> None:
    user = await web_bot.user(302, "Web", "en", role="reporter")
    async with served(web_bot) as base, ClientSession() as http:
        url = f"{base}/telegram/webhook"
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        calls: list[tuple[dict[str, str], Any]] = [
            ({}, {"json": update_json(7001, 302, "/help")}),
            ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"json": update_json(7002, 302, "/help")}),
            ({"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}, {"json": update_json(7003, 302, "/help")}),
        ]
        for headers, body in calls:
            async with http.post(url, headers=headers, **body) as resp:
                assert resp.status == 401
        async with http.post(url, headers=good, data=b"{not json") as resp:
            assert resp.status == 400
        async with http.post(url, headers=good, json=[1, 2]) as resp:
            assert resp.status == 400
        for shape in (
            {"message": {"text": "/help"}},
            {"update_id": 9, "message": "x"},
            {"update_id": 9, "message": {}},
        ):
            async with http.post(url, headers=good, json=shape) as resp:
                assert resp.status == 400
        big = json.dumps(update_json(7004, 302, "x" * (1024 * 1024))).encode()
        async with http.post(url, headers=good | {"Content-Type": "application/json"}, data=big) as resp:
            assert resp.status == 413
        async with http.get(url, headers=good) as resp:
            assert resp.status == 405

        # A polled update afterwards is processed, so anything queued before it would have been too.
        await user.send("/help")
        assert not any(web_bot.was_processed(u) for u in (7001, 7002, 7003, 7004))
        assert len(user.replies) == 1

        async with http.post(url, headers=good, json=update_json(7005, 302, "/help")) as resp:
            assert resp.status == 200
        await web_bot.process(7005)
        assert len(user.replies) == 2


# --- health, readiness and metrics --------------------------------------------------------------


async def test_health_and_readiness_tell_the_truth(web_bot: BotHarness, db: Database) -> None:
    async with served(web_bot) as base, ClientSession() as http:
        async with http.get(f"{base}/healthz") as resp:
            assert resp.status == 200
        async with http.get(f"{base}/readyz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ready"}

    # A database that does not answer (nothing listens on port 1).
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:1/khabar")
    try:
        async with served(web_bot, down) as base, ClientSession() as http:
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200  # alive: the process answers
            async with http.get(f"{base}/readyz") as resp:
                assert resp.status == 503
                assert await resp.json() == {"status": "not ready", "reasons": ["database unreachable"]}
            async with http.get(f"{base}/metrics") as resp:
                assert resp.status == 200  # scrapes survive; the database gauges keep their values
            auth = {"Authorization": f"Bearer {EXPORT_TOKEN}"}
            async with http.get(f"{base}/api/v1/reports", headers=auth) as resp:
                assert resp.status == 503  # said before streaming, not a truncated file
                assert (await resp.json())["error"].startswith("database unavailable")
    finally:
        await down.dispose()

    # A bot that was never started is not ready either.
    idle = build_application(web_bot.settings, db, token=SANDBOX_TOKEN)
    server = WebServer(idle, web_bot.settings, db)
    port = await server.start("127.0.0.1", 0)
    try:
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            assert resp.status == 503
            assert (await resp.json())["reasons"] == ["bot not running"]
    finally:
        await server.stop()


async def scrape(http: ClientSession, base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with http.get(f"{base}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_move(web_bot: BotHarness, db: Database) -> None:
    messages = ("khabar_updates_total", (("type", "message"),))
    approved = ("khabar_reports", (("status", "approved"),))
    pending = ("khabar_reports", (("status", "pending"),))
    depth = ("khabar_outbox_depth", ())
    latency = ("khabar_handler_seconds_count", ())
    user = await web_bot.user(303, "Counted", "en", role="reporter")
    async with served(web_bot) as base, ClientSession() as http:
        before = await scrape(http, base)
        assert before[approved] == 0 and before[pending] == 0 and before[depth] == 0

        await user.send("/help")
        await add_report(db)
        await add_report(db)
        await add_report(db, status="pending")
        async with db.session() as session:
            await enqueue(session, key="test:metrics:1", chat_id=303, kind=OutboxKind.NOTICE, text="hello")

        after = await scrape(http, base)
        assert after[messages] == before.get(messages, 0) + 1
        assert after[latency] > before[latency]
        assert after[approved] == 2 and after[pending] == 1
        assert after[depth] == 1


# --- export API ---------------------------------------------------------------------------------


async def test_export_api_needs_a_valid_token(web_bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    await add_report(web_bot.db)
    async with served(web_bot) as base, ClientSession() as http:
        url = f"{base}/api/v1/reports?format=json"
        for headers in (
            {},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer wrong-token-0123456789"},
            {"Authorization": f"Basic {EXPORT_TOKEN}"},
            {"Authorization": f"Bearer {EXPORT_TOKEN}x"},
        ):
            async with http.get(url, headers=headers) as resp:
                assert resp.status == 401
                assert resp.headers["WWW-Authenticate"] == "Bearer"
                body = await resp.text()
                assert "R-2026" not in body
        with caplog.at_level(logging.INFO, logger="bot.runtime.web"):
            async with http.get(url, headers={"Authorization": f"Bearer {OTHER_TOKEN}"}) as resp:
                assert resp.status == 200
                assert len(await resp.json()) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "export by who: json, 1 reports" in logged
    assert OTHER_TOKEN not in logged and EXPORT_TOKEN not in logged


async def test_export_api_validates_filters(web_bot: BotHarness) -> None:
    auth = {"Authorization": f"Bearer {EXPORT_TOKEN}"}
    async with served(web_bot) as base, ClientSession() as http:
        for query, message in (
            ("since=last-week", "since: not a date of the form YYYY-MM-DD"),
            ("until=2026-02-30", "until: not a date of the form YYYY-MM-DD"),
            ("format=xlsx", "format: unknown format; expected one of csv, hxl, geojson, json"),
            ("certainty=certain", "certainty: unknown value 'certain'"),
        ):
            async with http.get(f"{base}/api/v1/reports?{query}", headers=auth) as resp:
                assert resp.status == 400
                assert (await resp.json())["error"].startswith(message)


async def test_export_api_streams_each_format(web_bot: BotHarness) -> None:
    kept = await add_report(web_bot.db, gps=(34.61, 69.21), released=True)
    await add_report(web_bot.db, province="AF02", district=None)
    await add_report(web_bot.db, status="rejected")
    auth = {"Authorization": f"Bearer {EXPORT_TOKEN}"}
    async with served(web_bot) as base, ClientSession() as http:
        query = "province=AF01&since=2026-11-01&until=2026-11-30"
        async with http.get(f"{base}/api/v1/reports?{query}&format=geojson", headers=auth) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/geo+json"
            assert resp.headers.get("Transfer-Encoding") == "chunked"  # streamed, not buffered
            assert resp.headers["Content-Disposition"].endswith('.geojson"')
            data = json.loads(await resp.text())
        assert data["type"] == "FeatureCollection"
        [feature] = data["features"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [69.21, 34.61]}
        assert feature["properties"]["id"] == kept.reference

        async with http.get(f"{base}/api/v1/reports?format=hxl", headers=auth) as resp:
            assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
            lines = (await resp.text()).splitlines()
        assert lines[1].startswith("#meta+id,") and len(lines) == 2 + 2
        for fmt in ("csv", "json", "geojson", "hxl"):
            async with http.get(f"{base}/api/v1/reports?format={fmt}", headers=auth) as resp:
                assert str(REPORTER_ID) not in await resp.text()
