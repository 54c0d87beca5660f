"""Kill the real `khabar run` between the commit of an input and its reply, at random steps, many times.

Each round files one report as a reporter on a bad connection would (the plans of
`tests/crash_plans.py`, one per category, in turn: 50 rounds walk every category's form six times
or more). The bot process is killed right after the commit of a randomly chosen input
(`KHABAR_TEST_CRASH_AFTER_COMMIT`, see `bot/crashpoint.py`: kind and occurrence drawn at random,
sometimes a second kill in the next life), restarted on the same database, and the reporter sends
the input again and goes on. Every report is then compared with what the reporter meant.

    .venv/bin/python -m benchmarks.crash_loop                      # 50 rounds on a scratch SQLite file
    .venv/bin/python -m benchmarks.crash_loop --rounds 60 --seed 7 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/scratch

Prints one line per round and "reports ok N of N" at the end (exit status 1 if any is wrong). A
PostgreSQL database must already hold the schema (the test suite's database does); its reports,
drafts and users are left for inspection.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.emulator import EmulatorServer, Limits
from storage.db import Database
from tests.botproc import BotProcess
from tests.crash_person import Person
from tests.crash_plans import SCENARIOS, Scenario
from tests.test_crash_replay import check_report, stored_reports


def crash_points(scenario: Scenario, rng: random.Random) -> list[str]:
    """One kill at a random input the plan sends, and sometimes a second one in the next life."""
    counts = Counter(act.crash_kind for acts in scenario.plan.values() for act in acts)
    # The category and an Edit per planned detail on the summary; Submit is the last and also a
    # candidate (Continue after a restart is not counted: a kill there is one more).
    counts["button"] += 1 + len(scenario.details)
    counts["report"] = 1
    kind = rng.choice(sorted(counts))
    points = [f"{kind}:{rng.randint(1, counts[kind] + (1 if kind == 'button' else 0))}"]
    if rng.random() < 0.3:
        points.append(f"any:{rng.randint(1, 4)}")
    return points


async def one_round(
    emulator: EmulatorServer,
    workdir: Path,
    url: str,
    db: Database,
    user_id: int,
    rng: random.Random,
    category: str,
) -> tuple[bool, str, int]:
    scenario = SCENARIOS[category]()
    points = crash_points(scenario, rng)
    emulator.state.add_user(user_id, "Reporter", "en")
    bot = BotProcess(emulator, workdir, url, ADMIN_IDS=str(user_id))
    person = Person(bot, user_id, scenario.category, scenario.plan, list(points), details=scenario.details)
    label = f"{scenario.category} kills at {','.join(points)}"
    try:
        person.start()
        await person.file_report()
        reports = await stored_reports(db, url, user_id)
        if len(reports) != 1:
            return False, f"{label}: {len(reports)} reports", len(person.crashes)
        check_report(reports[0], scenario, emulator.state.files)
    except AssertionError as error:
        return False, f"{label}: {str(error)[:300]}", len(person.crashes)
    finally:
        bot.kill()
    kinds = ",".join(act.crash_kind for act in person.crashes) or "none"
    return True, f"{label}: killed after {kinds}", len(person.crashes)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="khabar-crash-"))
    url = args.database_url or f"sqlite+aiosqlite:///{scratch / 'khabar.db'}"
    # A PostgreSQL database is read through `db`; a SQLite file through a fresh engine each time.
    db = Database(url if args.database_url else "sqlite+aiosqlite:///:memory:")
    emulator = EmulatorServer(Limits(chat_per_second=1000.0, chat_burst=1000))
    await emulator.start()
    ok = kills = 0
    started = time.perf_counter()
    base = 991000 + rng.randint(0, 10**5) * 100
    categories = sorted(SCENARIOS)
    rng.shuffle(categories)
    try:
        for n in range(1, args.rounds + 1):
            workdir = scratch / f"round-{n}"
            workdir.mkdir()
            category = categories[(n - 1) % len(categories)]
            good, line, killed = await one_round(emulator, workdir, url, db, base + n, rng, category)
            ok += good
            kills += killed
            print(f"{n:3d} {'ok ' if good else 'BAD'} {line}", flush=True)
    finally:
        await emulator.stop()
        await db.dispose()
    print(f"kills {kills} in {args.rounds} rounds, {time.perf_counter() - started:.0f} s")
    print(f"reports ok {ok} of {args.rounds}")
    return 0 if ok == args.rounds else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
