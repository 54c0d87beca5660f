"""Roles tell people: the person promoted or demoted with /role is told in their language; an
admin's /subscriptions lists the numbers /digest_now takes."""

from __future__ import annotations

from bot.i18n import _, use_locale
from bot.runtime.sender import Sender
from tests.delivery_support import add_subscribers
from tests.harness import BotHarness


async def deliver(relaxed_bot: BotHarness) -> int:
    assert relaxed_bot.app is not None
    return await Sender(relaxed_bot.db, relaxed_bot.app.bot, rate=relaxed_bot.settings.send_rate).drain()


async def test_a_promoted_and_a_demoted_person_are_told_in_their_language(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    person = await relaxed_bot.user(50, "Person", role="reporter", language="fa_AF")
    await admin.send("/role 50 moderator")
    await deliver(relaxed_bot)
    with use_locale("fa_AF"):
        role = _("moderator")
    told = person.last_text
    assert role in told and "/help" in told
    assert told != "" and not told.isascii()  # in Dari
    await admin.send("/role 50 reporter")  # demoted: told too
    await deliver(relaxed_bot)
    with use_locale("fa_AF"):
        assert _("reporter") in person.last_text and person.last_text != told
    before = len(person.replies)
    await admin.send("/role 50 none")  # revoked: never written to, as for every notice
    await deliver(relaxed_bot)
    assert len(person.replies) == before


async def test_admins_see_every_subscription_number_for_digest_now(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    subs = await add_subscribers(relaxed_bot, 2, first_id=20_000)
    await admin.send("/subscriptions")
    listing = next(m.text or "" for m in admin.replies if "/digest_now" in (m.text or ""))
    for sub in subs:
        assert f"#{sub.id}" in listing
    await admin.send(f"/digest_now {subs[1].id}")
    assert "Digest queued" in admin.last_text
