"""Export audit and forwarding protection (security review finding 18): an `admin_events` row per
export, whichever way it was made (API, /export in chat, `khabar export`), naming who, the filters and
the row count; digests, alerts and export files are sent with `protect_content`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession
from sqlalchemy import select

from bot.runtime.sender import Sender
from bot.runtime.web import WebServer
from domain.vocabulary import OutboxKind
from storage.db import Database
from storage.models import AdminEvent
from storage.outbox import enqueue
from tests.export_helpers import add_report
from tests.harness import BotHarness
from tests.test_export import _khabar

TOKEN = "partner-token-0123456789abcdef"


async def _exports(db: Database) -> list[AdminEvent]:
    async with db.session() as session:
        stmt = select(AdminEvent).where(AdminEvent.action == "export").order_by(AdminEvent.id)  # type: ignore[arg-type]
        return list((await session.execute(stmt)).scalars())


async def test_export_in_chat_is_audited_and_protected(bot: BotHarness) -> None:
    await add_report(bot.db, occurred=datetime.now(bot.settings.tz).date() - timedelta(days=1))
    admin = await bot.user(10, "Admin", "en", role="admin")
    await admin.send("/export")
    await admin.press("Last 7 days")
    reply = await admin.press("HXL")
    assert reply is not None and reply.document is not None
    assert reply.extra.get("has_protected_content") is True
    [event] = await _exports(bot.db)
    assert event.actor_id == 10 and event.target == "export:chat"
    assert event.after["format"] == "hxl" and event.after["rows"] == 1
    assert set(event.after["filters"]) == {"since"}


async def test_api_export_is_audited_with_the_token_name(db: Database) -> None:
    bot = await BotHarness.create(db, admin_ids="", export_tokens=f"ocha:{TOKEN}", background_jobs=False)
    await add_report(db)
    await add_report(db, province="AF02", district=None)
    assert bot.app is not None
    server = WebServer(bot.app, bot.settings, db)
    port = await server.start("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/reports?format=json&province=AF02"
        async with ClientSession() as http, http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
            assert r.status == 200
            await r.read()
    finally:
        await server.stop()
        await bot.close()
    [event] = await _exports(db)
    assert event.actor_id is None and event.target == "export:token:ocha"
    assert event.after == {"format": "json", "filters": {"provinces": ["AF02"]}, "rows": 1}
    assert TOKEN not in str(event.after)


async def test_cli_export_is_audited(db: Database, tmp_path: Path) -> None:
    await add_report(db, occurred=date(2026, 11, 20))
    code, _out, err = await _khabar(db, tmp_path, "export", "--format", "csv", "--since", "2026-11-01")
    assert code == 0, err
    [event] = await _exports(db)
    assert event.target == "export:cli"
    assert event.after == {"format": "csv", "filters": {"since": "2026-11-01"}, "rows": 1}


async def test_digests_and_alerts_cannot_be_forwarded_but_notices_can(limited_bot: BotHarness) -> None:
    for user_id in (501, 502, 503):
        await limited_bot.user(user_id, "Person", "en", role="coordinator")
    async with limited_bot.db.session() as session:
        for user_id, kind in ((501, OutboxKind.DIGEST), (502, OutboxKind.ALERT), (503, OutboxKind.NOTICE)):
            await enqueue(session, key=f"k{user_id}", chat_id=user_id, kind=kind, text="Text")
    assert limited_bot.app is not None
    assert await Sender(limited_bot.db, limited_bot.app.bot, rate=limited_bot.settings.send_rate).drain() == 3
    protected = {
        user_id: limited_bot.emulator.state.bot_messages(user_id)[-1].extra.get(
            "has_protected_content", False
        )
        for user_id in (501, 502, 503)
    }
    assert protected == {501: True, 502: True, 503: False}
