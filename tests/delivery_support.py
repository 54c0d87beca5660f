"""Shared by the subscription, digest and sender tests: quick ways to make subscribers and reports
and to read the outbox back. Their bots (conftest's `relaxed_bot`, `limited_bot`) have the digest
tick and the outbox sender off: the tests run them with their own clock."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import search
from bot.emulator import Limits
from domain.vocabulary import Certainty, ReportStatus
from storage.db import Database
from storage.models import Delivery, Outbox, Report, Subscription, User
from tests.harness import BotHarness

KABUL = "Asia/Kabul"
_refs = itertools.count(1)


async def make_bot(db: Database, limits: Limits | None = None) -> BotHarness:
    """A bot of its own outside the fixtures (as `limited_bot`); close it yourself."""
    return await BotHarness.create(db, limits=limits, admin_ids="", background_jobs=False)


async def add_subscribers(
    bot: BotHarness,
    count: int,
    *,
    first_id: int = 10_000,
    language: str = "en",
    last_period_end: datetime | None = None,
    **fields: Any,
) -> list[Subscription]:
    """`count` coordinators known to the emulator, each with one subscription (`fields` set on it)."""
    subs: list[Subscription] = []
    async with bot.db.session() as session:
        for n in range(count):
            user_id = first_id + n
            if user_id not in bot.emulator.state.users:
                bot.emulator.state.add_user(user_id, f"Coordinator {n}", "en")
            if await session.get(User, user_id) is None:  # an account made by bot.user() stays as is
                session.add(User(id=user_id, first_name="C", role="coordinator", language=language))
        await session.flush()
        for n in range(count):
            sub = Subscription(user_id=first_id + n, last_period_end=last_period_end, **fields)
            session.add(sub)
            subs.append(sub)
        await session.flush()
    return subs


async def add_report(
    db: Database,
    *,
    approved_at: datetime,
    category: str = "health_attack",
    province: str = "AF01",
    district: str | None = "AF0101",
    certainty: str = "confirmed",
    urgent: bool = False,
    status: str = "approved",
    description: str = "A clinic was damaged.",
    sensitive: Sequence[str] = (),
    killed: int | None = 1,
    injured: int | None = None,
    reporter_id: int | None = None,
) -> Report:
    n = next(_refs)
    report = Report(
        reference=f"R-2026-{n:06d}",
        draft_token=f"tok{n:08d}",
        category=category,
        reporter_id=reporter_id,
        answers={"description": description},
        occurred_on=date(2026, 3, 1),
        province_pcode=province,
        district_pcode=district,
        killed=killed,
        injured=injured,
        status=ReportStatus(status),
        certainty=Certainty(certainty),
        urgent=urgent,
        sensitive_fields=list(sensitive),
        approved_at=approved_at if status == "approved" else None,
    )
    async with db.session() as session:
        session.add(report)
        await session.flush()
        await search.refresh(session, report)  # as approval stores it, so /search finds it
    return report


async def outbox_rows(db: Database, kind: str | None = None) -> list[Outbox]:
    async with db.session() as session:
        stmt = select(Outbox).order_by(Outbox.id)  # type: ignore[arg-type]
        rows = list((await session.execute(stmt)).scalars())
    return [r for r in rows if kind is None or r.kind == kind]


async def deliveries(db: Database) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.execute(select(Delivery).order_by(Delivery.id))).scalars())  # type: ignore[arg-type]


async def get_sub(db: Database, sub_id: int) -> Subscription:
    async with db.session() as session:
        sub = await session.get(Subscription, sub_id)
    assert sub is not None
    return sub


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
