"""The other conversations that change state over several steps, when the reply to a step is lost
and the person sends it again (the bot restarted in between): each step is applied once."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import InviteAttempt
from tests.harness import BotHarness
from tests.test_invites import make_invite, role_of


async def test_a_resent_invite_code_is_recognised_not_refused(bot: BotHarness) -> None:
    admin = await bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter")  # a single use
    newcomer = await bot.user(210, "Newcomer", "en")
    await newcomer.send(f"/start {code}")
    assert await role_of(bot.db, 210) == "reporter"
    await bot.restart()
    # The welcome never arrived: they send the code again. Its only use went to them.
    before = len(newcomer.replies)
    await newcomer.send(f"/start {code}")
    answer = [m.text or "" for m in newcomer.replies[before:]]
    assert "You already have access as a reporter." in answer and not any("not valid" in t for t in answer)
    async with bot.db.session() as session:
        assert list((await session.execute(select(InviteAttempt))).scalars()) == []  # not a wrong code


async def test_a_wizard_tick_pressed_again_stays_ticked(bot: BotHarness) -> None:
    user = await bot.user(211, "Coord", "en", role="coordinator")
    await user.send("/subscribe")
    await user.press("Daily")
    await user.press("07:00")
    await user.press("Badakhshan")
    assert "Selected: 1" in user.last_text
    badakhshan = user.last_reply
    assert badakhshan is not None
    # The same press again, as after a restart that lost its reply: the old button still ticks.
    await bot.restart()
    await user.press_data("sub:p:AF17", badakhshan.message_id)
    assert "Selected: 1" in user.last_text and "✓ Badakhshan" in user.buttons
    await user.press("✓ Badakhshan")  # pressing the ticked button unticks it
    assert "Selected: 0" in user.last_text
    await user.press("Done")
    categories = user.last_reply
    assert categories is not None
    await user.press("Attack on health care")
    await user.press_data("sub:c:health_attack", categories.message_id)  # a double tap
    assert "✓ Attack on health care" in user.buttons
