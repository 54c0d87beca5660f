"""SIGKILL the real `khabar run` process mid-life and start it again on the same database."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bot.emulator import EmulatorServer
from storage.db import Database
from storage.users import UserRepository
from tests.botproc import BotProcess, scratch_db_url
from tests.harness import FAST_ENV, at_human_pace, fast_limits

USER = 990001


@pytest.mark.long_running
async def test_sigkill_then_restart_keeps_users_and_answers(
    emulator: EmulatorServer, db: Database, tmp_path: Path
) -> None:
    # `db` is requested so the tables are emptied afterwards on PostgreSQL, where the bot shares them.
    url = scratch_db_url(tmp_path)
    state = emulator.state
    state.add_user(USER, "Gul", "fa")
    state.limits = at_human_pace(fast_limits())
    bot = BotProcess(emulator, tmp_path, url, **FAST_ENV)
    start_update: dict[str, object] = {}

    def send_start() -> int:
        update_id = state.send_text(USER, "/start")
        start_update.update(state.updates[-1])
        return update_id

    bot.start()
    try:
        [welcome] = await bot.act(USER, send_start)
        welcome_update = start_update["update_id"]
        assert welcome.button_labels == ["English", "✓ دری", "پښتو"]
        pashto = next(b for row in welcome.buttons for b in row if b["text"] == "پښتو")
        await bot.act(USER, lambda: state.press(USER, welcome.message_id, pashto["callback_data"]))
        assert state.find_message(USER, welcome.message_id).edited  # type: ignore[union-attr]

        # No shutdown, no flush: the process simply disappears.
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL

        # Telegram delivers again what a killed bot fetched but never confirmed: replay the /start.
        state.updates.append(dict(start_update))
        bot.start()
        [help_reply] = await bot.send(USER, "/help")
        assert "/language" in (help_reply.text or "")
        [language] = await bot.send(USER, "/language")
        assert "✓ پښتو" in language.button_labels
        assert await bot.stop(signal.SIGTERM) == 0
    finally:
        bot.kill()

    check = db if not db.is_sqlite else Database(url)
    try:
        async with check.session() as session:
            account = await UserRepository(session).get(USER)
        assert account is not None
        assert account.language == "ps"
    finally:
        if check is not db:
            await check.dispose()
    # Each update was answered once, the replayed /start included: welcome, help after the language
    # choice, /help, /language.
    assert len(state.bot_messages(USER, include_deleted=True)) == 4
    assert f"replayed update {welcome_update} ignored" in bot.output()
