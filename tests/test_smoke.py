import pytest

from tests.conftest import BotFactory
from tests.harness import BotHarness


async def test_stranger_start_offers_languages(bot: BotHarness) -> None:
    user = await bot.user(500, "Stranger", "fa")
    await user.send("/start")
    assert user.buttons == ["English", "✓ دری", "پښتو"]


# The outbox sender is a run-once job that starts at once and keeps running, so it leaves the
# schedule immediately; the repeating ticks stay listed.
BACKGROUND = {"digest-tick", "alert-tick", "moderation-alerts"}


async def test_background_jobs_run_with_the_application(bot: BotHarness) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    assert {job.name for job in bot.app.job_queue.jobs()} >= BACKGROUND


async def test_background_jobs_can_be_left_to_another_instance(bot_factory: BotFactory) -> None:
    harness = await bot_factory(background_jobs=False)
    assert harness.app is not None and harness.app.job_queue is not None
    assert not {job.name for job in harness.app.job_queue.jobs()} & BACKGROUND


@pytest.mark.long_running
async def test_a_burst_in_one_chat_is_answered_in_full(bot: BotHarness) -> None:
    """Telegram holds back a fast run of replies to one chat (429); each reply waits its turn."""
    user = await bot.user(501, "Quick", "en", role="reporter")
    burst = bot.emulator.state.limits.chat_burst
    for _ in range(burst + 2):
        await user.send("/help")
        assert "/report" in user.last_text
    assert len(bot.emulator.state.bot_messages(501)) == burst + 2
    assert bot.emulator.state.counters["429"] >= 1


async def test_one_chat_waiting_does_not_hold_up_another(bot: BotHarness) -> None:
    """Different chats are handled side by side: while one reply waits out a 429, others go on."""
    slow = await bot.user(502, "Slow", "en", role="reporter")
    await bot.user(503, "Quick", "en", role="reporter")
    burst = bot.emulator.state.limits.chat_burst
    for _ in range(burst):
        await slow.send("/help")  # the chat's allowance is spent: its next reply meets a 429
    state = bot.emulator.state
    held = state.send_text(502, "/help")
    other = state.send_text(503, "/help")
    await bot.process(other)
    assert len(state.bot_messages(503)) == 1
    assert len(state.bot_messages(502)) == burst  # still waiting for its turn
    await bot.process(held)
    assert len(state.bot_messages(502)) == burst + 1
