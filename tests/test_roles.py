"""Roles: every role gets exactly its commands (from bot.commands.COMMANDS), and admins manage
users in the bot (/role, /users, /block, /unblock) with audit rows."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from bot.commands import COMMANDS
from bot.roles import Role
from handlers.callbacks import ModerationAction, ModerationPress, UsersPage
from storage.models import AdminEvent
from storage.users import UserRepository
from tests.conftest import BotFactory
from tests.harness import BotHarness

DENIED = "You don't have permission to do that."
NO_ACCESS = "This bot is for registered humanitarian field teams."
UNKNOWN = "I don't know that command."
ROLES = (Role.STRANGER, Role.REPORTER, Role.COORDINATOR, Role.MODERATOR, Role.ADMIN)


def refused(texts: list[str]) -> bool:
    return any(t == DENIED or t.startswith(NO_ACCESS) for t in texts)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_each_role_gets_exactly_its_commands(relaxed_bot: BotHarness, role: Role) -> None:
    ids = itertools.count(1000)
    wrong: list[str] = []
    for command in COMMANDS:
        # A fresh user per command, so one command's state (a draft, a wipe) cannot affect another.
        uid = next(ids)
        registered = None if role is Role.STRANGER else role.value
        user = await relaxed_bot.user(uid, "Tester", "en", role=registered, language="en")
        before = len(user.replies)
        await user.send(f"/{command.name}")
        texts = [m.text or m.caption or "" for m in user.state.bot_messages(uid, include_deleted=True)]
        texts = texts[before:]
        assert texts, f"/{command.name} as {role}: no reply"
        if any(t.startswith(UNKNOWN) for t in texts):
            wrong.append(f"/{command.name} as {role}: not implemented")
            continue
        allowed = role.at_least(command.role)
        if refused(texts) == allowed:
            wrong.append(f"/{command.name} as {role}: {'refused' if allowed else 'allowed'}")
    assert wrong == [], "\n".join(wrong)


async def test_role_change_is_audited_and_refreshes_the_menu(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    person = await relaxed_bot.user(50, "Person", role="reporter", language="fa_AF")
    await admin.send("/role 50 coordinator")
    assert admin.last_text == "User 50 is now a coordinator."
    menu = {c["command"] for c in relaxed_bot.emulator.state.commands["chat:50:"]}
    assert {"subscribe", "search"} <= menu and "pending" not in menu
    await person.send("/subscribe")
    assert person.last_text != DENIED

    await admin.send("/role 50 coordinator")
    assert admin.last_text == "User 50 is already a coordinator."
    await admin.send("/role 1 reporter")
    assert "cannot change your own access" in admin.last_text
    await admin.send("/role 999 reporter")
    assert "No user 999" in admin.last_text
    await admin.send("/role 50 emperor")
    assert admin.last_text.startswith("Usage: /role")
    await admin.send("/role 50 none")
    assert admin.last_text == "User 50 no longer has access."
    await person.send("/report")
    assert person.last_text.startswith(NO_ACCESS) or "این ربات" in person.last_text

    async with relaxed_bot.db.session() as session:
        events = list((await session.execute(select(AdminEvent).order_by(AdminEvent.id))).scalars())  # type: ignore[arg-type]
    assert [(e.action, e.actor_id, e.target, e.before, e.after) for e in events] == [
        ("role_changed", 1, "user:50", {"role": "reporter"}, {"role": "coordinator"}),
        ("role_changed", 1, "user:50", {"role": "coordinator"}, {"role": "stranger"}),
    ]


async def test_config_admin_cannot_be_demoted_in_the_bot(bot_factory: BotFactory) -> None:
    harness = await bot_factory(admin_ids="1,5")
    admin = await harness.user(1, "Admin", "en")
    other_admin = await harness.user(5, "Root", "en")
    await other_admin.send("/help")  # the access layer promotes ADMIN_IDS on contact
    await admin.send("/role 5 reporter")
    assert "admin by configuration" in admin.last_text


async def test_block_and_unblock(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    person = await relaxed_bot.user(60, "Person", role="reporter")
    await admin.send("/block 60")
    assert admin.last_text.startswith("User 60 is blocked.")
    for text in ("/report", "hello", "/start"):
        await person.send(text)
        assert person.last_text == "Your access to this bot has been suspended. Contact your coordinator."
    await person.press_data(ModerationPress(ModerationAction.APPROVE_AS, 1, 0, (0, 1)).pack())
    assert person.last_alert == "Your access to this bot has been suspended. Contact your coordinator."
    await admin.send("/users")
    assert "60 \u2068Person\u2069: reporter (blocked)" in admin.last_text
    await admin.send("/unblock 60")
    assert admin.last_text == "User 60 is unblocked."
    await person.send("/help")
    assert "/report" in person.last_text
    await admin.send("/block 1")
    assert "cannot change your own access" in admin.last_text
    async with relaxed_bot.db.session() as session:
        account = await UserRepository(session).get(60)
        actions = [e.action for e in (await session.execute(select(AdminEvent))).scalars()]
    assert account is not None and account.status == "active"
    assert actions == ["user_blocked", "user_unblocked"]


async def test_users_lists_people_with_roles(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await relaxed_bot.user(70, "Zarghuna", role="coordinator")
    await relaxed_bot.user(71, "Stranger", "en")
    stranger = await relaxed_bot.user(71, "Stranger", "en")
    await stranger.send("/start")
    await admin.send("/users")
    assert "70 \u2068Zarghuna\u2069: coordinator" in admin.last_text
    assert "Stranger" not in admin.last_text
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.send("/users")
    assert moderator.last_text == DENIED


async def test_users_pages_and_filters(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    for uid in range(100, 130):
        await relaxed_bot.user(uid, f"Reporter{uid}", role="reporter")
    await relaxed_bot.user(200, "Coordinator", role="coordinator")
    await admin.send("/block 129")

    first = await admin.send("/users")
    assert first is not None
    assert first.text is not None and first.text.endswith("1–25 of 32. Change a role with /role <id> <role>.")
    assert first.text.count("Reporter") == 24 and "Coordinator" not in first.text
    assert first.button_labels == ["Next ›"]
    # The page is edited in place; the last page has no "Next".
    await admin.press("Next ›")
    page = relaxed_bot.emulator.state.find_message(1, first.message_id)
    assert page is not None and page.edited and page.text is not None
    assert "26–32 of 32" in page.text and "200 \u2068Coordinator\u2069: coordinator" in page.text
    assert page.button_labels == ["‹ Previous"]

    await admin.send("/users coordinator")
    assert "200 \u2068Coordinator" in admin.last_text and "Reporter" not in admin.last_text
    assert "1–1 of 1" in admin.last_text
    await admin.send("/users blocked")
    assert "129 \u2068Reporter129\u2069: reporter (blocked)" in admin.last_text
    assert "1–1 of 1" in admin.last_text
    await admin.send("/users nobody")
    assert admin.last_text == "Usage: /users [reporter|coordinator|moderator|admin|blocked]"
    await relaxed_bot.user(300, "Stranger", "en")
    await admin.send("/users moderator")
    assert admin.last_text == "No users found."

    # The page buttons are checked like typed input, and like every button, by role.
    await admin.press_data("usr:all:many")
    assert admin.last_alert == "This button is no longer valid. Send /help to start again."
    await admin.press_data(UsersPage("all", 9999).pack())  # past the end: the last page
    assert "26–32 of 32" in admin.last_text
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.press_data(UsersPage("all", 0).pack())
    assert moderator.last_alert == DENIED


async def test_users_list_in_dari(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", "fa", role="admin", language="fa_AF")
    for uid in range(100, 127):
        await relaxed_bot.user(uid, "Gul", role="reporter")
    await admin.send("/users")
    assert "۱–۲۵ از ۲۸" in admin.last_text
    assert admin.buttons == ["بعدی ›"]
