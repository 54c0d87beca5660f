"""`khabar` as a real subprocess (clean environment, no .env), for tests of start-up, crashes and logs.

Every `khabar` here, `khabar run` included, is forked from a server that has already imported the
bot (`tests.forkserver`): each is a process of its own with the given environment, directory and
output, a second of CPU cheaper to start than a new interpreter. The crash tests start `khabar run`
twice each, so that second is most of what they cost.

The emulator runs in the test's event loop, so every wait here awaits the bot's next call to it
(`EmulatorState.bot_activity`) instead of blocking: a blocked loop would stop the emulator from
answering the bot.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.emulator import EmulatorServer, EmuMessage
from bot.runtime.application import SANDBOX_TOKEN
from storage.db import Database
from storage.migrate import upgrade
from tests import forkserver

ROOT = Path(__file__).resolve().parent.parent
WAIT = 30.0


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a process needs to start, plus `variables`: no BOT_TOKEN or DATABASE_URL leaks in."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


def scratch_db_url(tmp_path: Path) -> str:
    """For a `khabar` process: the PostgreSQL test database when the suite runs on it (the `db`
    fixture empties it afterwards), else a fresh SQLite file the process creates and migrates."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'khabar.db'}"


_template: Path | None = None


async def migrated_db_url(tmp_path: Path) -> str:
    """As `scratch_db_url`, but on SQLite a copy of a file migrated once per test process: a bot
    started on it finds the schema and the gazetteer in place, as on every start after its first
    (the first start's migration is test_cli's and test_restart's)."""
    global _template
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if _template is None:
        template = Path(tempfile.mkdtemp(prefix="khabar-template-")) / "khabar.db"
        atexit.register(shutil.rmtree, template.parent, True)  # one per test process, gone with it
        db = Database(f"sqlite+aiosqlite:///{template}")
        try:
            await upgrade(db)
        finally:
            await db.dispose()
        _template = template
    shutil.copyfile(_template, tmp_path / "khabar.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'khabar.db'}"


def khabar(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `khabar ARGS` to completion (for commands that end by themselves)."""
    return forkserver.run(list(args), env=env, cwd=cwd, timeout=timeout)


class BotProcess:
    """`khabar run` against an in-process emulator; output goes to files so a chatty log never blocks."""

    def __init__(self, emulator: EmulatorServer, workdir: Path, database_url: str, **variables: str) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.env = clean_env(
            BOT_TOKEN=SANDBOX_TOKEN,
            TELEGRAM_BASE_URL=emulator.url,
            DATABASE_URL=database_url,
            # Any free port unless given: several bots may run at once (parallel suites).
            **{"HTTP_PORT": "0", **variables},
        )
        self.proc: forkserver.Child | None = None
        self.runs = 0

    @property
    def stdout_path(self) -> Path:
        return self.workdir / f"stdout-{self.runs}.log"

    @property
    def stderr_path(self) -> Path:
        return self.workdir / f"stderr-{self.runs}.log"

    def start(self) -> None:
        self.runs += 1
        self.proc = forkserver.start(
            ["run"], env=self.env, cwd=self.workdir, stdout=self.stdout_path, stderr=self.stderr_path
        )

    def output(self) -> str:
        """stdout and stderr of every run so far."""
        return "".join(
            (self.workdir / f"{stream}-{n}.log").read_text(encoding="utf-8", errors="replace")
            for n in range(1, self.runs + 1)
            for stream in ("stdout", "stderr")
        )

    async def until(self, condition: Callable[[], bool], what: str, wait: float = WAIT) -> None:
        """Wait for `condition`, failing with the bot's output if it does not come or the bot died."""
        deadline = asyncio.get_running_loop().time() + wait
        while not condition():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(
                    f"khabar exited ({self.proc.returncode}) waiting for {what}:\n{self.output()}"
                )
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} within {wait}s:\n{self.output()}")
            await self.emulator.state.bot_activity(0.05)

    async def act(self, user_id: int, action: Callable[[], int], count: int = 1) -> list[EmuMessage]:
        """Do `action` (a user's update) and wait for the bot's next `count` messages to that user."""
        state = self.emulator.state
        before = len(state.bot_messages(user_id, include_deleted=True))
        update_id = action()
        await self.until(
            lambda: len(state.bot_messages(user_id, include_deleted=True)) >= before + count,
            f"{count} repl{'y' if count == 1 else 'ies'} to update {update_id}",
        )
        return state.bot_messages(user_id, include_deleted=True)[before : before + count]

    async def send(self, user_id: int, text: str, count: int = 1) -> list[EmuMessage]:
        return await self.act(user_id, lambda: self.emulator.state.send_text(user_id, text), count)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and wait for the process to end; returns its exit code."""
        proc = self.proc
        assert proc is not None
        if proc.poll() is None:
            os.kill(proc.pid, sig)
        deadline = asyncio.get_running_loop().time() + WAIT
        while (code := proc.poll()) is None:
            if asyncio.get_running_loop().time() > deadline:
                proc.kill()
                raise AssertionError(f"khabar did not stop on signal {sig}:\n{self.output()}")
            await asyncio.sleep(0.05)
        return code

    def kill(self) -> None:
        """Last resort for a test's cleanup."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
