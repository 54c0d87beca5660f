"""The caller is read on every update without a session (`storage.users.caller_unless_seen`), as a
detached User built from a Core row (`storage.db.as_loaded`): what a later session writes of it is
only what changed, and a process whose first database read is this one builds it as well."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from bot.roles import Role
from storage.db import Database
from storage.models import User
from storage.updates import mark_seen
from storage.users import UserRepository, caller_unless_seen
from tests.conftest import BotFactory

ROOT = Path(__file__).resolve().parent.parent


async def test_the_caller_comes_detached_with_the_replay_answer(db: Database) -> None:
    assert await caller_unless_seen(db, 8101, 1) == (None, False)
    async with db.session() as session:
        await UserRepository(session).set_role(8101, Role.REPORTER)
    account, replayed = await caller_unless_seen(db, 8101, 1)
    assert account is not None and account.role == Role.REPORTER and not replayed
    assert inspect(account).detached
    await mark_seen(db, 1)
    assert (await caller_unless_seen(db, 8101, 1))[1] is True
    assert await caller_unless_seen(db, 8102, 1) == (None, True)  # unknown caller, replayed update


async def test_a_session_writes_only_what_changed_on_the_detached_caller(db: Database) -> None:
    async with db.session() as session:
        stored = await UserRepository(session).get_or_create(8103, "Zarghuna")
        stored.language = "ps"
    account, _ = await caller_unless_seen(db, 8103, 2)
    assert account is not None
    async with db.session() as session:  # meanwhile, another update changes the language
        other = await UserRepository(session).get_or_create(8103)
        other.language = "fa_AF"
    account.role = Role.MODERATOR
    async with db.session() as session:
        await UserRepository(session).save(account)
    async with db.session() as session:
        reread = await UserRepository(session).get(8103)
    assert reread is not None and (reread.role, reread.language, reread.first_name) == (
        Role.MODERATOR,
        "fa_AF",  # not written back from the stale copy
        "Zarghuna",
    )


def test_a_process_whose_first_read_is_the_caller_builds_it() -> None:
    # The ORM instruments a model's attributes when its mappers are configured, which is done by
    # the first ORM query: here there is none before `as_loaded`.
    program = (
        "from storage.db import as_loaded\n"
        "from storage.models import User\n"
        "user = as_loaded(User, {c: None for c in User.__table__.c.keys()} | {'id': 7, 'role': 'reporter'})\n"
        "print(user.id, user.role)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["7", "reporter"]


async def test_a_configured_admin_stored_with_a_lower_role_is_promoted_on_contact(
    bot_factory: BotFactory, db: Database
) -> None:
    async with db.session() as session:
        await UserRepository(session).set_role(8104, Role.REPORTER)
    harness = await bot_factory(admin_ids="8104")
    admin = await harness.user(8104, "Admin", "en")
    await admin.send("/users")
    assert "You don't have permission" not in admin.last_text
    async with db.session() as session:
        stored = await session.get(User, 8104)
    assert stored is not None and stored.role == Role.ADMIN
