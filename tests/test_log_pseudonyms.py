"""No raw Telegram id in any log line (security review finding 10, finished): every log call that
names a person passes the id through `bot.pseudonyms.pseudonym`, checked on the source and on the
one path that still logged a raw id (a moderation button for a report that no longer exists)."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

from handlers.callbacks import ModerationAction, ModerationPress
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
# An expression that holds a person's Telegram id.
PERSON_ID = re.compile(
    r"(account|user|chat|tg_user|person|reporter|actor)\w*\.id\b|\b(user|chat|actor|reporter)_id\b"
)


def _log_arguments() -> list[tuple[str, str]]:
    found = []
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in LEVELS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("log", "logger", "logging")
                ):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found += [(where, ast.unparse(arg)) for arg in node.args]
    return found


def test_every_logged_person_id_is_a_pseudonym() -> None:
    raw = [
        (where, arg)
        for where, arg in _log_arguments()
        if PERSON_ID.search(arg) and not arg.startswith("pseudonym(")
    ]
    assert raw == []


async def test_a_press_for_a_missing_report_logs_no_telegram_id(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    moderator = await bot.user(987654323, "Mod", role="moderator")
    await moderator.press_data(ModerationPress(ModerationAction.APPROVE, 9999, 0, ()).pack())
    assert "unknown report 9999" in caplog.text
    assert "987654323" not in caplog.text
