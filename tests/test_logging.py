"""The bot token and what users write never reach the logs, in either format, even at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import signal
import sys
from pathlib import Path

import pytest

from bot.emulator import EmulatorServer
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.logs import JsonFormatter, RedactTokens
from tests.botproc import BotProcess

USER = 990101
# What a reporter might write: it must not appear in any log line.
PRIVATE_TEXT = "Zarghuna saw the clinic in Dand burn, call +93 700 123 456"
TOKEN_PARTS = (SANDBOX_TOKEN, SANDBOX_TOKEN.split(":")[1], "SANDBOX-token")


def assert_clean(output: str) -> None:
    for part in TOKEN_PARTS:
        assert part not in output
    assert "Zarghuna" not in output and "700 123 456" not in output


@pytest.mark.parametrize("log_format", ["plain", "json"])
async def test_token_and_message_text_never_logged(
    emulator: EmulatorServer, tmp_path: Path, log_format: str
) -> None:
    emulator.state.add_user(USER, "Zarghuna", "en")
    bot = BotProcess(
        emulator,
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        LOG_FORMAT=log_format,
        LOG_LEVEL="DEBUG",
    )
    bot.start()
    try:
        [welcome] = await bot.send(USER, "/start")
        english = welcome.buttons[0][0]["callback_data"]
        await bot.act(USER, lambda: emulator.state.press(USER, welcome.message_id, english))
        [refusal] = await bot.send(USER, PRIVATE_TEXT)  # a stranger's free text is refused politely
        assert "invite" in (refusal.text or "")
        assert await bot.stop(signal.SIGTERM) == 0
    finally:
        bot.kill()

    output = bot.output()
    assert_clean(output)
    lines = [line for line in output.splitlines() if line.strip()]
    if log_format == "json":
        entries = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all({"ts", "level", "logger", "msg"} <= entry.keys() for entry in entries)
        messages = [entry["msg"] for entry in entries]
    else:
        messages = lines
    # The request log is there at DEBUG, with the token scrubbed out of each URL.
    requests = [m for m in messages if "HTTP Request: POST" in m]
    assert any("/bot[redacted]/sendMessage" in m for m in requests), "\n".join(messages)
    assert any("/bot[redacted]/getUpdates" in m for m in requests)
    assert any("bot started" in m for m in messages)
    assert any("bot stopped" in m for m in messages)


async def test_revoked_token_is_explained_without_printing_it(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.revoked_tokens.add(SANDBOX_TOKEN)
    bot = BotProcess(emulator, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", LOG_LEVEL="DEBUG")
    bot.start()
    try:
        await bot.until(lambda: bot.proc is not None and bot.proc.poll() is not None, "exit")
    except AssertionError as exc:
        # `until` reports an exit as a failure; here it is the expected outcome.
        assert "khabar exited (2)" in str(exc)
    finally:
        bot.kill()
    assert bot.proc is not None and bot.proc.returncode == 2
    output = bot.output()
    assert "BOT_TOKEN was rejected" in output and "@BotFather" in output
    assert_clean(output)


async def test_crash_is_logged_scrubbed(emulator: EmulatorServer, tmp_path: Path) -> None:
    # Nothing listens on port 1: start-up fails inside the bot, after logging is set up.
    bot = BotProcess(emulator, tmp_path, "postgresql+asyncpg://khabar@127.0.0.1:1/khabar", LOG_FORMAT="json")
    bot.start()
    try:
        with pytest.raises(AssertionError, match=r"khabar exited \(1\)"):
            await bot.until(lambda: False, "exit")
    finally:
        bot.kill()
    output = bot.output()
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    crash = [e for e in entries if e["msg"] == "the bot stopped on an error"]
    assert crash and "Traceback" in crash[0]["exc"]
    assert_clean(output)


def _format(record: logging.LogRecord, formatter: logging.Formatter, secrets: tuple[str, ...] = ()) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTokens(secrets))
    handler.setFormatter(formatter)
    handler.handle(record)
    return stream.getvalue()


def test_redact_tokens_in_bot_api_urls_arguments_and_tracebacks() -> None:
    token = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    url = f"https://api.telegram.org/bot{token}/sendMessage"
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("POST", url), None)
    text = _format(record, logging.Formatter("%(message)s"))
    assert text.strip() == "HTTP Request: POST https://api.telegram.org/bot[token]/sendMessage"

    # A known secret is replaced whole, even when it does not look like a token.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "file %s", ("/file/botS3cret/p.jpg",), None)
    assert "S3cret" not in _format(record, logging.Formatter("%(message)s"), secrets=("S3cret",))

    try:
        raise RuntimeError(f"The token `{token}` was rejected by the server.")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "crashed at %s", (url,), exc_info)
    for formatter in (logging.Formatter("%(message)s"), JsonFormatter()):
        record.exc_info, record.exc_text, record.msg, record.args = exc_info, None, "crashed at %s", (url,)
        text = _format(record, formatter)
        assert token not in text and token.split(":")[1] not in text
        assert "RuntimeError: The token `[token]` was rejected" in (
            json.loads(text)["exc"] if isinstance(formatter, JsonFormatter) else text
        )


def test_error_log_line_names_the_failure_but_not_the_users_words() -> None:
    from handlers.errors import describe_error

    def parse_killed(text: str) -> int:
        return int(text)

    try:
        parse_killed("my neighbour's phone is 0700123456")
    except ValueError as exc:
        line = describe_error(exc)
    assert line.startswith("builtins.ValueError at parse_killed (test_logging.py:")
    assert "0700123456" not in line and "neighbour" not in line
