"""CPU per update: Khabar against a bare python-telegram-bot echo bot, in one run, alternating.

Each bot runs in its own child process, polling its own in-process emulator (bot/emulator), so the
CPU counted (the child's user + system time, from /proc) is the bot's alone: not the emulator's,
not the simulated reporters'. Rounds alternate echo, Khabar, echo, Khabar... so a neighbour's load
on this shared machine hits both. Khabar's workload is the 12-update "other security" report of
benchmarks/intake_latency.py by `--reporters` reporters at once; the echo bot gets the same
updates in kind and number (a text is echoed with a button, a press is answered and the message
edited). Then one reporter alone files reports on each bot: the step latency p50/p95 a person
waits (send to handled).

    .venv/bin/python benchmarks/intake_cost.py                  # SQLite, 20 reporters, 5 rounds each
    .venv/bin/python benchmarks/intake_cost.py --rounds 3 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

Flood limits are relaxed on both emulators, so neither bot waits on a 429 during a round, and
Khabar's own send budget (Telegram's overall limit) is raised to the same relaxed figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, TypeHandler
from telegram.ext import filters as tg_filters

from bot.emulator import EmulatorServer, Limits
from bot.runtime.application import SANDBOX_TOKEN
from storage.db import Database
from tests.harness import SimUser

CATEGORY = "other_security"
FIRST_REPORTER = 10_000
TICK = os.sysconf("SC_CLK_TCK")
RELAXED = Limits(global_per_second=100_000, chat_per_second=100_000.0, chat_burst=100_000)


# --- the child: one bot, polling, telling the parent each update id it finished --------------------


async def serve(kind: str, base: str, database_url: str) -> None:
    def done(update: object) -> None:
        if isinstance(update, Update):
            sys.stdout.write(f"{update.update_id}\n")
            sys.stdout.flush()

    if kind == "khabar":
        from bot.config import load_settings
        from bot.runtime.application import build_application

        db = Database(database_url)
        settings = load_settings(
            _env_file=None,
            database_url=database_url,
            telegram_base_url=base,
            admin_ids="",
            background_jobs=False,
            # The emulator's relaxed limit is the bot's too, as for the echo bot, which keeps no
            # budget: at Telegram's 29 a second, twenty reporters answering at once wait for send
            # slots, and a round lasts long enough for the waiting to show in the CPU per update
            # (on PostgreSQL 11.0 against 6.9 ms, one run each).
            telegram_limit=RELAXED.global_per_second,
            send_budget=RELAXED.global_per_second,
            send_rate=RELAXED.global_per_second,
        )
        app: Any = build_application(settings, db, token=SANDBOX_TOKEN)
        app.processed_listeners.append(done)
    else:
        app = ApplicationBuilder().token(SANDBOX_TOKEN).base_url(f"{base}/bot").build()
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            if update.effective_message is not None:
                await update.effective_message.reply_text(
                    update.effective_message.text or "?", reply_markup=keyboard
                )

        async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None
            await query.answer()
            await query.edit_message_text(f"Pressed {query.data} {update.update_id}", reply_markup=keyboard)

        async def finished(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            done(update)

        app.add_handler(MessageHandler(tg_filters.ALL, echo))
        app.add_handler(CallbackQueryHandler(pressed))
        app.add_handler(TypeHandler(Update, finished), group=1)
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.Event().wait()


# --- the parent: emulators, simulated reporters, CPU from /proc ----------------------------------


@dataclass
class Child:
    """A bot process and its emulator; quacks like tests.harness.BotHarness for SimUser."""

    name: str
    emulator: EmulatorServer
    db: Database  # the parent's own reads (the reporter helpers look at the draft before a skip)
    proc: asyncio.subprocess.Process | None = None
    done: set[int] = field(default_factory=set)
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, database_url: str) -> None:
        base = await self.emulator.start()
        self.emulator.state.limits = RELAXED
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            self.name,
            "--base-url",
            base,
            "--database-url",
            database_url,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert line.strip() == b"ready", line
        asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.done.add(int(line))
            self.event.set()

    async def process(self, update_id: int) -> None:
        while update_id not in self.done:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), 30)

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            await self.proc.wait()
        await self.emulator.stop()
        await self.db.dispose()


async def khabar_report(user: SimUser, waits: list[float]) -> None:
    from benchmarks.intake_latency import file_report

    await file_report(user, waits)


# The kinds of file_report's 12 updates (the walk asks no skipped detail): t = text, p = press.
STEPS = "tpptppptttpp"


async def echo_report(user: SimUser, waits: list[float]) -> None:
    for n, kind in enumerate(STEPS):
        started = time.perf_counter()
        if kind == "t" or not user.replies:
            await user.send(f"step {n}")
        else:
            await user.press_data("ok", user.replies[-1].message_id)
        waits.append(time.perf_counter() - started)


Workload = Callable[[SimUser, list[float]], Awaitable[None]]


async def run_round(child: Child, users: list[SimUser], reports: int, work: Workload) -> tuple[int, float]:
    """(updates, CPU seconds of the child) for `reports` reports by each of `users` at once."""
    waits: list[float] = []
    before = child.cpu_seconds()

    async def one(user: SimUser) -> None:
        for _ in range(reports):
            await work(user, waits)

    await asyncio.gather(*(one(u) for u in users))
    await asyncio.sleep(0.2)  # let the last update's bookkeeping (after the reply) finish
    return len(waits), child.cpu_seconds() - before


async def add_reporters(database_url: str, ids: list[int]) -> None:
    from storage.migrate import upgrade_from_empty
    from storage.users import UserRepository

    db = Database(database_url)
    await upgrade_from_empty(db)
    async with db.session() as session:
        users = UserRepository(session)
        for uid in ids:
            account = await users.set_role(uid, "reporter")
            account.language = "en"
            await users.save(account)
    await db.dispose()


def pct(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"p50 {statistics.median(ms):5.1f} ms, p95 {ms[min(len(ms) - 1, int(len(ms) * 0.95))]:5.1f} ms"


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='khabar-cost-')}/cost.db"
    ids = [FIRST_REPORTER + n for n in range(args.reporters + 1)]
    await add_reporters(url, ids)
    echo, khabar = (
        Child("echo", EmulatorServer(), Database(url)),
        Child("khabar", EmulatorServer(), Database(url)),
    )
    await echo.start(url)
    await khabar.start(url)
    crowds: dict[str, list[SimUser]] = {}
    for child in (echo, khabar):
        for uid in ids:
            child.emulator.state.add_user(uid, "Reporter", "en")
        crowds[child.name] = [SimUser(child, uid, "Reporter", "en") for uid in ids]  # type: ignore[arg-type]
    work: dict[str, Workload] = {"echo": echo_report, "khabar": khabar_report}
    totals = {"echo": [0, 0.0], "khabar": [0, 0.0]}
    try:
        for round_ in range(1, args.rounds + 1):
            line = [f"round {round_}:"]
            for child in (echo, khabar):
                updates, cpu = await run_round(
                    child, crowds[child.name][1:], args.reports_each, work[child.name]
                )
                totals[child.name][0] += updates
                totals[child.name][1] += cpu
                line.append(f"{child.name} {cpu * 1000 / updates:5.2f} ms/update")
            print("  ".join(line))
        single: dict[str, list[float]] = {"echo": [], "khabar": []}
        for _ in range(args.single_reports):
            for child in (echo, khabar):
                await work[child.name](crowds[child.name][0], single[child.name])
    finally:
        await echo.stop()
        await khabar.stop()
    per = {name: cpu * 1000 / updates for name, (updates, cpu) in totals.items()}
    print(f"database: {url.split(':', 1)[0]}; {args.reporters} reporters at once, {args.rounds} rounds each")
    reports = args.rounds * args.reporters * args.reports_each
    each = {name: updates / reports for name, (updates, _cpu) in totals.items()}
    print(f"  updates/report:  echo {each['echo']:.0f}, Khabar {each['khabar']:.0f}")
    print(f"  CPU per update:  echo {per['echo']:.2f} ms, Khabar {per['khabar']:.2f} ms")
    print(f"  ratio:           {per['khabar'] / per['echo']:.1f}x the echo bot")
    print(f"  single reporter: Khabar step {pct(single['khabar'])}; echo {pct(single['echo'])}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file; PostgreSQL: a scratch database")
    parser.add_argument("--reporters", type=int, default=20)
    parser.add_argument("--reports-each", type=int, default=1, help="reports per reporter per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--single-reports", type=int, default=5, help="reports filed by one reporter alone")
    parser.add_argument("--serve", choices=("echo", "khabar"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(parsed.serve, parsed.base_url, parsed.database_url))
    else:
        asyncio.run(main(parsed))
