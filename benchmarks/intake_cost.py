"""CPU per update: Khabar against a bare python-telegram-bot echo bot, in one run, alternating.

Each bot runs in its own child process, polling its own in-process emulator (bot/emulator), so the
CPU counted (the child's user + system time, from /proc) is the bot's alone: not the emulator's,
not the simulated reporters'. Rounds alternate echo, floor, Khabar, echo... so a neighbour's load
on this shared machine hits all three. Khabar's workload is the 12-update "other security" report of
benchmarks/intake_latency.py by `--reporters` reporters at once; the echo bot gets the same
updates in kind and number (a text is echoed with a button, a press is answered and the message
edited). Then one reporter alone files reports on each bot: the step latency p50/p95 a person
waits (send to handled).

A third bot, the floor, is the echo bot plus the least database work that "nothing lost" asks of
any bot on this stack, through Khabar's own storage layer: per update, the caller and the replay
check (a read), the draft read and the answer saved (one transaction, before the reply), then the
reply's chat-log entry and the seen mark. Its ratio to the echo bot is what the stack costs before any of
Khabar's own work.

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
# The floor bot's reporters and update ids, apart from Khabar's in the shared database (both
# emulators number their updates from 1; a seen mark of one bot would turn the other's away).
FLOOR_REPORTERS = 20_000
FLOOR_UPDATES = 10**12
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
        keep = FloorBookkeeping(Database(database_url)) if kind == "floor" else None

        async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is not None:
                if keep is not None:
                    await keep.before(update)
                sent = await message.reply_text(message.text or "?", reply_markup=keyboard)
                if keep is not None:
                    await keep.after(update, sent.message_id)

        async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None
            if keep is not None:
                await keep.before(update)
            await query.answer()
            await query.edit_message_text(f"Pressed {query.data} {update.update_id}", reply_markup=keyboard)
            if keep is not None:
                await keep.after(update, None)

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


class FloorBookkeeping:
    """The floor bot's database work per update (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def before(self, update: Update) -> None:
        from storage.drafts import DraftRepository
        from storage.users import caller_unless_seen

        assert update.effective_user is not None
        uid = update.effective_user.id
        await caller_unless_seen(self.db, uid, FLOOR_UPDATES + update.update_id)
        async with self.db.session() as session:
            drafts = DraftRepository(session)
            draft = await drafts.get(uid) or await drafts.start(uid, CATEGORY, f"floor{uid}", None)
            await drafts.save(draft, {**draft.answers, "step": update.update_id}, draft.state, None)

    async def after(self, update: Update, sent: int | None) -> None:
        from storage.chat_log import record_alone
        from storage.updates import mark_seen

        assert update.effective_chat is not None
        if sent is not None:
            await record_alone(self.db, update.effective_chat.id, sent, from_bot=True)
        await mark_seen(self.db, FLOOR_UPDATES + update.update_id)


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
NAMES = ("echo", "floor", "khabar")
WORK: dict[str, Workload] = {"echo": echo_report, "floor": echo_report, "khabar": khabar_report}
FIRST_IDS = {"echo": FIRST_REPORTER, "floor": FLOOR_REPORTERS, "khabar": FIRST_REPORTER}


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
    ids = {name: [first + n for n in range(args.reporters + 1)] for name, first in FIRST_IDS.items()}
    await add_reporters(url, [uid for group in ids.values() for uid in group])
    children = [Child(name, EmulatorServer(), Database(url)) for name in NAMES]
    crowds: dict[str, list[SimUser]] = {}
    for child in children:
        await child.start(url)
        for uid in ids[child.name]:
            child.emulator.state.add_user(uid, "Reporter", "en")
        crowds[child.name] = [SimUser(child, uid, "Reporter", "en") for uid in ids[child.name]]  # type: ignore[arg-type]
    totals = {name: [0, 0.0] for name in NAMES}
    single: dict[str, list[float]] = {name: [] for name in NAMES}
    try:
        for round_ in range(1, args.rounds + 1):
            line = [f"round {round_}:"]
            for child in children:
                updates, cpu = await run_round(
                    child, crowds[child.name][1:], args.reports_each, WORK[child.name]
                )
                totals[child.name][0] += updates
                totals[child.name][1] += cpu
                line.append(f"{child.name} {cpu * 1000 / updates:5.2f} ms/update")
            print("  ".join(line))
        for _ in range(args.single_reports):
            for child in children:
                await WORK[child.name](crowds[child.name][0], single[child.name])
    finally:
        for child in children:
            await child.stop()
    per = {name: cpu * 1000 / updates for name, (updates, cpu) in totals.items()}
    print(f"database: {url.split(':', 1)[0]}; {args.reporters} reporters at once, {args.rounds} rounds each")
    reports = args.rounds * args.reporters * args.reports_each
    each = {name: updates / reports for name, (updates, _cpu) in totals.items()}
    print(
        f"  updates/report:  echo {each['echo']:.0f}, floor {each['floor']:.0f}, Khabar {each['khabar']:.0f}"
    )
    print(
        f"  CPU per update:  echo {per['echo']:.2f} ms, floor {per['floor']:.2f} ms, "
        f"Khabar {per['khabar']:.2f} ms"
    )
    print(f"  ratio:           {per['khabar'] / per['echo']:.1f}x the echo bot")
    print(
        f"  floor:           {per['floor'] / per['echo']:.1f}x the echo bot (the stack's least bookkeeping)"
    )
    print(f"  over the floor:  Khabar {per['khabar'] / per['floor']:.1f}x the floor")
    print(
        f"  single reporter: Khabar step {pct(single['khabar'])}; floor {pct(single['floor'])}; "
        f"echo {pct(single['echo'])}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file; PostgreSQL: a scratch database")
    parser.add_argument("--reporters", type=int, default=20)
    parser.add_argument("--reports-each", type=int, default=1, help="reports per reporter per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--single-reports", type=int, default=5, help="reports filed by one reporter alone")
    parser.add_argument("--serve", choices=NAMES, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(parsed.serve, parsed.base_url, parsed.database_url))
    else:
        asyncio.run(main(parsed))
