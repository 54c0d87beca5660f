"""The `khabar` command line, run as a real process in a clean environment."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import EmulatorServer
from bot.runtime.application import SANDBOX_TOKEN
from domain.vocabulary import OutboxKind
from storage import outbox
from storage.db import Database
from storage.models import BorderCrossing, District, Outbox, PlaceAlias, Province, User
from storage.users import UserRepository
from tests.botproc import clean_env, khabar, scratch_db_url


async def run(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(DATABASE_URL=scratch_db_url(tmp_path), **variables)
    return await asyncio.to_thread(khabar, *args, env=env, cwd=tmp_path)


def test_version(tmp_path: Path) -> None:
    result = khabar("--version", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"khabar {version('khabar')}"


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = khabar("--help", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "sandbox", "db", "admin"):
        assert command in result.stdout


async def test_db_upgrade_is_idempotent_and_loads_the_gazetteer(tmp_path: Path, db: Database) -> None:
    for _ in range(2):
        result = await run(tmp_path, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "database is up to date"
    target = db if not db.is_sqlite else Database(scratch_db_url(tmp_path))
    try:
        async with target.session() as session:
            counts = {
                model.__name__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Province, District, BorderCrossing, PlaceAlias)
            }
            kabul = await session.get(Province, "AF01")
    finally:
        if target is not db:
            await target.dispose()
    assert counts["Province"] == 34
    assert counts["District"] == 401
    assert counts["BorderCrossing"] == 15
    assert counts["PlaceAlias"] > 0
    assert kabul is not None and kabul.name_en == "Kabul"


async def test_admin_grant_then_revoke(tmp_path: Path, db: Database) -> None:
    granted = await run(tmp_path, "admin", "grant", "5550001", "moderator")
    assert granted.returncode == 0, granted.stderr
    assert granted.stdout.strip() == "user 5550001 is now moderator"

    target = db if not db.is_sqlite else Database(scratch_db_url(tmp_path))
    try:
        async with target.session() as session:
            account = await UserRepository(session).get(5550001)
            assert account is not None and account.role == "moderator"

        revoked = await run(tmp_path, "admin", "revoke", "5550001")
        assert revoked.returncode == 0, revoked.stderr
        assert revoked.stdout.strip() == "user 5550001 is now stranger"
        async with target.session() as session:
            account = await UserRepository(session).get(5550001)
            assert account is not None and account.role == "stranger"
    finally:
        if target is not db:
            await target.dispose()


async def test_admin_rejects_unknown_role(tmp_path: Path) -> None:
    result = await run(tmp_path, "admin", "grant", "5550002", "emperor")
    assert result.returncode == 2
    assert "invalid choice: 'emperor'" in result.stderr


async def test_sandbox_script_prints_the_bots_replies(tmp_path: Path, db: Database) -> None:
    """What `make run` does without a token: the emulator, the real bot and a scripted chat."""
    script = tmp_path / "chat.txt"
    script.write_text("/start\n#1\n/help\n:quit\n", encoding="utf-8")
    result = await run(tmp_path, "sandbox", "--port", "0", "--script", str(script), HTTP_PORT="0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"Emulator at http://127\.0\.0\.1:\d+\.", out)
    # /start as the reporter: the language choice with numbered buttons.
    start = out.index("> /start")
    press = out.index("> #1")
    assert "Welcome to Khabar. Choose your language:" in out[start:press]
    assert "#1 ✓ English" in out[start:press]
    # #1 pressed English: the message is edited and the help follows.
    after = out[press:]
    assert "[bot → 2] (edited) Language set to English." in after
    assert "/help" in after and "/language" in after
    assert "(no answer within 30 s)" not in out
    assert "Traceback" not in result.stderr


def taken_port() -> socket.socket:
    """A listening socket on a free port: that port is now in use."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


async def test_run_on_a_taken_http_port_says_so_in_one_line(
    tmp_path: Path, db: Database, emulator: EmulatorServer
) -> None:
    with taken_port() as holder:
        port = holder.getsockname()[1]
        result = await run(
            tmp_path,
            "run",
            BOT_TOKEN=SANDBOX_TOKEN,
            TELEGRAM_BASE_URL=emulator.url,
            HTTP_PORT=str(port),
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"khabar: invalid configuration: HTTP_PORT: cannot listen on 127.0.0.1:{port} "
        "(Address already in use); choose another, or HTTP_PORT=0 for any free port"
    )
    assert "Traceback" not in result.stderr


async def test_sandbox_on_a_taken_port(tmp_path: Path, db: Database) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("/start\n:quit\n", encoding="utf-8")
    with taken_port() as holder:
        port = str(holder.getsockname()[1])
        result = await run(tmp_path, "sandbox", "--port", port, "--script", str(script), HTTP_PORT="0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"khabar: port {port} is already in use; choose another, or --port 0 for any free one"
    )
    assert "Traceback" not in result.stderr


async def test_sandbox_takes_a_free_port_when_the_default_is_taken(tmp_path: Path, db: Database) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("/start\n:quit\n", encoding="utf-8")
    try:
        default: socket.socket | None = socket.create_server(("127.0.0.1", 8081))
    except OSError:
        default = None  # something else holds it already, which is just as good
    try:
        result = await run(tmp_path, "sandbox", "--script", str(script), HTTP_PORT="0")
    finally:
        if default is not None:
            default.close()
    assert result.returncode == 0, result.stderr
    assert "Port 8081 is in use; the emulator took a free one." in result.stdout
    assert "Emulator at http://127.0.0.1:8081." not in result.stdout
    assert "Welcome to Khabar" in result.stdout


async def test_sandbox_never_touches_the_configured_database(
    tmp_path: Path, db: Database, database_url: str
) -> None:
    """DATABASE_URL names a real database with a pending digest and real users: the sandbox keeps
    to its own scratch database, so the digest is not drained into the emulator and no test roles
    are written (security review finding 8)."""
    async with db.session() as session:
        await outbox.enqueue(session, key="real-digest", chat_id=7001, kind=OutboxKind.DIGEST, text="real")
        await UserRepository(session).set_role(7001, "coordinator")
        await session.commit()
    async with db.session() as session:
        before = sorted((u.id, u.role) for u in (await session.execute(select(User))).scalars())
    script = tmp_path / "chat.txt"
    script.write_text("/start\n#1\n:quit\n", encoding="utf-8")
    env = clean_env(DATABASE_URL=database_url, EXPORT_TOKENS="partner:" + "s" * 20, HTTP_PORT="0")
    result = await asyncio.to_thread(
        khabar, "sandbox", "--port", "0", "--script", str(script), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    async with db.session() as session:
        rows = (await session.execute(select(Outbox))).scalars().all()
        after = sorted((u.id, u.role) for u in (await session.execute(select(User))).scalars())
    assert [(r.key, r.status, r.attempts) for r in rows] == [("real-digest", "pending", 0)]
    assert after == before == [(7001, "coordinator")]
    assert "Sandbox database: sqlite+aiosqlite:///./var/sandbox.db." in result.stdout
    assert "Language set to English." in result.stdout  # the sandbox did run the chat
    assert (tmp_path / "var" / "sandbox.db").exists()
