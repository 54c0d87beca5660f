"""Invite life-cycle through the emulator: create, use, multi-use, expiry, revoke, brute-force cool-down."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import invites
from handlers.callbacks import InviteRevoke, ModerationAction, ModerationPress
from storage.db import Database
from storage.models import AdminEvent, Invite
from storage.users import UserRepository
from tests.harness import BotHarness, SimUser

NO_ACCESS = "registered humanitarian field teams"


def code_from(text: str) -> str:
    match = re.search(r"/start (\S+)", text)
    assert match, text
    return match.group(1)


async def role_of(db: Database, user_id: int) -> str:
    async with db.session() as session:
        user = await UserRepository(session).get(user_id)
        assert user is not None
        return user.role


async def make_invite(admin: SimUser, args: str) -> str:
    await admin.send(f"/invite {args}")
    assert "t.me/khabar_sandbox_bot?start=" in admin.last_text
    return code_from(admin.last_text)


async def test_invite_single_use_joins_once_and_is_stored_hashed(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter")
    async with relaxed_bot.db.session() as session:
        rows = list((await session.execute(select(Invite))).scalars())
    assert len(rows) == 1 and rows[0].code_hash == invites.hash_code(code) and code not in rows[0].code_hash

    newcomer = await relaxed_bot.user(200, "Newcomer", "en")
    await newcomer.send("/report")
    assert NO_ACCESS in newcomer.last_text
    await newcomer.send(f"/start {code}")
    assert any("Welcome! You now have access as a reporter." in (m.text or "") for m in newcomer.replies)
    assert await role_of(relaxed_bot.db, 200) == "reporter"

    second = await relaxed_bot.user(201, "Second", "en")
    await second.send(f"/start {code}")
    assert "not valid" in second.last_text
    assert await role_of(relaxed_bot.db, 201) == "stranger"
    async with relaxed_bot.db.session() as session:
        actions = [e.action for e in (await session.execute(select(AdminEvent))).scalars()]
    assert actions == ["invite_created", "invite_redeemed"]


async def test_multi_use_invite_counts_uses(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "coordinator 2 3")
    for uid in (301, 302, 303):
        await relaxed_bot.user(uid, "U", "en")
    first, second, third = (SimUser(relaxed_bot, uid, "U", "en") for uid in (301, 302, 303))
    await first.send(f"/start {code}")
    await second.send(f"/start {code}")
    await third.send(f"/start {code}")
    assert [await role_of(relaxed_bot.db, u) for u in (301, 302, 303)] == [
        "coordinator",
        "coordinator",
        "stranger",
    ]
    async with relaxed_bot.db.session() as session:
        invite = (await session.execute(select(Invite))).scalars().one()
    assert (invite.uses, invite.max_uses) == (2, 2)


async def test_invite_expires(db: Database) -> None:
    now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    async with db.session() as session:
        created = await invites.create_invite(
            session, role="reporter", uses=3, days=2, created_by=None, now=now
        )
    code = created.code
    async with db.session() as session:
        late = await invites.redeem(session, user_id=400, code=code, now=now + timedelta(days=2, seconds=1))
        in_time = await invites.redeem(session, user_id=401, code=code, now=now + timedelta(days=1))
    assert late.outcome is invites.Redeemed.INVALID
    assert in_time.outcome is invites.Redeemed.JOINED


async def test_revoke_button_stops_the_invite(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter 10 7")
    await admin.send("/invites")
    assert "Open invites" in admin.last_text and any(b.startswith("Revoke") for b in admin.buttons)
    await admin.press("Revoke")
    assert admin.last_alert == "Invite revoked."
    assert "No open invites" in admin.last_text
    # A replayed press of the same button changes nothing more.
    await admin.press_data(InviteRevoke(1).pack())
    assert admin.last_alert == "That invite was already revoked."

    newcomer = await relaxed_bot.user(500, "N", "en")
    await newcomer.send(f"/start {code}")
    assert "not valid" in newcomer.last_text and await role_of(relaxed_bot.db, 500) == "stranger"


async def test_non_admin_cannot_make_or_revoke_invites(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await make_invite(admin, "reporter")
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.send("/invite reporter")
    assert moderator.last_text == "You don't have permission to do that."
    await moderator.press_data(InviteRevoke(1).pack())
    assert moderator.last_alert == "You don't have permission to do that."
    async with relaxed_bot.db.session() as session:
        invite = (await session.execute(select(Invite))).scalars().one()
    assert invite.revoked_at is None


async def test_bad_invite_arguments_get_usage(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await admin.send("/invite admin")
    assert "reporters or coordinators" in admin.last_text and "Usage" in admin.last_text
    await admin.send("/invite reporter 0")
    assert "between 1 and 500" in admin.last_text
    await admin.send("/invite reporter 2 365")
    assert "between 1 and 90" in admin.last_text
    await admin.send("/invite")
    assert admin.last_text.startswith("Usage")


async def test_brute_force_cool_down(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter")
    guesser = await relaxed_bot.user(600, "G", "en")
    for n in range(5):
        await guesser.send(f"/start wrong-code-{n}")
        assert "not valid" in guesser.last_text
    await guesser.send(f"/start {code}")
    assert "Too many wrong invite codes" in guesser.last_text
    assert await role_of(relaxed_bot.db, 600) == "stranger"
    # An hour later the right code works (service level: the clock is a parameter).
    async with relaxed_bot.db.session() as session:
        later = await invites.redeem(
            session, user_id=600, code=code, now=datetime.now(UTC) + timedelta(hours=1, minutes=1)
        )
    assert later.outcome is invites.Redeemed.JOINED


async def test_stranger_start_and_other_updates_reveal_nothing(relaxed_bot: BotHarness) -> None:
    stranger = await relaxed_bot.user(700, "S", "en")
    await stranger.send("/start")
    await stranger.press("English")
    assert "To get access, ask your coordinator for an invite link" in stranger.last_text
    for text in ("/pending", "/report", "/users", "hello", "/history R-2026-000001"):
        await stranger.send(text)
        assert NO_ACCESS in stranger.last_text
    await stranger.press_data(ModerationPress(ModerationAction.APPROVE, 1, 0).pack())
    assert stranger.last_alert is not None and NO_ACCESS in stranger.last_alert


async def test_already_member_keeps_role_and_invite_use(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter")
    coordinator = await relaxed_bot.user(800, "C", role="coordinator")
    await coordinator.send(f"/start {code}")
    assert any("already have access as a coordinator" in (m.text or "") for m in coordinator.replies)
    assert await role_of(relaxed_bot.db, 800) == "coordinator"
    async with relaxed_bot.db.session() as session:
        assert (await session.execute(select(Invite))).scalars().one().uses == 0


def test_cli_invite_create_and_admin_grant_are_audited(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from pathlib import Path

    from bot.runtime.cli import main

    url = f"sqlite+aiosqlite:///{Path(str(tmp_path)) / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert (
        main(["invite", "create", "--role", "coordinator", "--uses", "3", "--days", "2", "--bot", "@k_bot"])
        == 0
    )
    out = capsys.readouterr().out
    assert "https://t.me/k_bot?start=" in out and "3 use(s)" in out
    code = code_from(out)
    assert main(["invite", "create", "--uses", "0"]) == 2
    assert main(["admin", "grant", "42", "moderator"]) == 0

    async def check() -> None:
        db = Database(url)
        try:
            async with db.session() as session:
                invite = (await session.execute(select(Invite))).scalars().one()
                assert invite.code_hash == invites.hash_code(code) and invite.role == "coordinator"
                events = list((await session.execute(select(AdminEvent))).scalars())
                assert [(e.action, e.actor_id) for e in events] == [
                    ("invite_created", None),
                    ("role_changed", None),
                ]
                account = await UserRepository(session).get(42)
                assert account is not None and account.role == "moderator"
        finally:
            await db.dispose()

    asyncio.run(check())
