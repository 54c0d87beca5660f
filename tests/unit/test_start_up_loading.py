"""The forms are read at start-up (`Services.start`), not when a module is imported."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import bot.forms.engine as engine
import bot.digests, bot.exports, bot.runtime.application, bot.runtime.cli
import handlers.moderation, handlers.report
assert engine._loaded is None, "a form was read at import"
"""


def test_importing_the_bot_reads_no_form() -> None:
    subprocess.run([sys.executable, "-c", CHECK], check=True)
