"""Logging set-up: plain or JSON lines, with the bot token scrubbed from every record.

At DEBUG each Bot API request is logged with its URL (bot.runtime.aiohttp_request), and that URL
carries the token; the filter below rewrites any token-shaped string before a handler sees it.
Handlers never log message text or phone numbers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN.sub("[token]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(fmt: str = "plain", level: int | str = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    """Log to stderr in `fmt`; `level` applies to Khabar's own loggers (request URLs redacted)."""
    level_no = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactTokens(secrets))
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_no)
    # PTB's DEBUG output dumps request parameters and updates, i.e. message text and phone numbers,
    # so `telegram` never goes below INFO; aiohttp's and aiosqlite's DEBUG is connection chatter.
    for name in ("telegram", "aiohttp", "aiosqlite", "asyncio"):
        logging.getLogger(name).setLevel(max(level_no, logging.INFO))
    for name in ("apscheduler", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
