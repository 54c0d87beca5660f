"""Retention and erasure (security review findings 2 and 17): the purge applies every period at a
controlled clock; /erase and `khabar user erase` forget one person but keep their reports' facts;
/history says "reporter", never the reporter's Telegram id."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.config import load_settings
from bot.pseudonyms import pseudonym
from bot.retention import purge
from domain.vocabulary import AuditAction, DeliveryOutcome, OutboxKind, OutboxStatus, ReportStatus
from storage.db import Database
from storage.models import (
    AdminEvent,
    ChatMessage,
    Delivery,
    Draft,
    InviteAttempt,
    Outbox,
    Report,
    ReportEvent,
    SeenUpdate,
    Subscription,
    User,
)
from tests.botproc import clean_env, khabar, scratch_db_url
from tests.harness import BotHarness
from tests.moderation_support import events_of, load_report, make_report

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


async def rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    async with db.session() as session:
        return list((await session.execute(select(model))).scalars())


async def seed(db: Database, reporter: int = 40, stranger: int = 41) -> tuple[Report, Report]:
    async with db.session() as session:
        session.add(User(id=reporter, role="reporter", first_name="Field", created_at=NOW - 400 * DAY))
        session.add(User(id=stranger, role="stranger", first_name="Curious", created_at=NOW - 10 * DAY))
        session.add(User(id=42, role="stranger", first_name="Recent", created_at=NOW - DAY))
    closed = await make_report(db, reporter, created_at=NOW - 200 * DAY)
    pending = await make_report(db, reporter, district="AF0102", created_at=NOW - 200 * DAY)
    async with db.session() as session:
        stored = await session.get(Report, closed.id)
        assert stored is not None
        stored.status, stored.updated_at = ReportStatus.APPROVED, NOW - 100 * DAY
        session.add(
            ReportEvent(report_id=closed.id or 0, actor_id=7, action=AuditAction.APPROVED, at=NOW - 100 * DAY)
        )
        session.add(Draft(user_id=reporter, token="old", updated_at=NOW - 20 * DAY))
        session.add(ChatMessage(chat_id=reporter, message_id=1, at=NOW - 3 * DAY))
        session.add(ChatMessage(chat_id=reporter, message_id=2, at=NOW - timedelta(hours=1)))
        session.add(ChatMessage(chat_id=stranger, message_id=1, at=NOW - 10 * DAY))
        old = Outbox(
            key="n1",
            chat_id=reporter,
            kind=OutboxKind.NOTICE,
            text="Your report R was…",
            status=OutboxStatus.SENT,
            sent_at=NOW - 10 * DAY,
            created_at=NOW - 10 * DAY,
        )
        fresh = Outbox(
            key="n2",
            chat_id=reporter,
            kind=OutboxKind.NOTICE,
            text="Thank you.",
            status=OutboxStatus.SENT,
            sent_at=NOW - DAY,
            created_at=NOW - DAY,
        )
        session.add_all([old, fresh])
        await session.flush()
        session.add(
            Delivery(outbox_id=old.id or 0, chat_id=reporter, outcome=DeliveryOutcome.SENT, at=NOW - 10 * DAY)
        )
        session.add(InviteAttempt(user_id=stranger, at=NOW - 3 * DAY))
        session.add(SeenUpdate(update_id=1, at=NOW - 3 * DAY))
        session.add(SeenUpdate(update_id=2, at=NOW - timedelta(hours=1)))
    return closed, pending


async def test_purge_applies_every_period(db: Database) -> None:
    closed, pending = await seed(db)
    settings = load_settings(_env_file=None, database_url=db.url)
    purged = await purge(db, settings, NOW)
    assert purged.counts == {
        "drafts": 1,
        "chat_log": 2,
        "strangers": 1,
        "sent_text": 2,
        "technical": 1,
        "pseudonymised": 1,
    }
    assert await rows(db, Draft) == []
    assert [(m.chat_id, m.message_id) for m in await rows(db, ChatMessage)] == [(40, 2)]
    assert sorted(u.id for u in await rows(db, User)) == [40, 42]  # the recent stranger stays, for now
    assert sorted(o.text for o in await rows(db, Outbox)) == ["", "Thank you."]
    assert await rows(db, Delivery) == [] and await rows(db, InviteAttempt) == []
    assert [u.update_id for u in await rows(db, SeenUpdate)] == [2]
    # The closed report keeps its facts, not its reporter; the open one is untouched.
    kept = await load_report(db, closed.id)
    assert kept.reporter_id is None and kept.reporter_pseudonym == pseudonym(40)
    assert kept.answers["description"] and kept.district_pcode == "AF0101"
    assert all(e.actor_id is None and e.actor_pseudonym for e in await events_of(db, closed.id))
    assert (await load_report(db, pending.id)).reporter_id == 40
    # A second run has nothing left to do.
    assert (await purge(db, settings, NOW)).total == 0


async def test_admin_erases_a_person_and_the_audit_row_holds_no_data(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    person = await relaxed_bot.user(50, "Field", role="coordinator")
    report = await make_report(relaxed_bot.db, 50)
    await person.send("/help")
    async with relaxed_bot.db.session() as session:
        session.add(Draft(user_id=50, token="t"))
        session.add(Subscription(user_id=50))
        session.add(Outbox(key="x", chat_id=50, kind=OutboxKind.NOTICE, text="Your report was verified."))
    await admin.send("/erase 50")
    assert "Everything kept about user" in admin.last_text and "1 reports stay" in admin.last_text
    for model in (Draft, Subscription, Outbox, User):
        assert [
            r
            for r in await rows(relaxed_bot.db, model)
            if getattr(r, "user_id", getattr(r, "chat_id", getattr(r, "id", 0))) == 50
        ] == []
    assert [m for m in await rows(relaxed_bot.db, ChatMessage) if m.chat_id == 50] == []
    kept = await load_report(relaxed_bot.db, report.id)
    assert kept.reporter_id is None and kept.reporter_pseudonym == pseudonym(50)
    assert all(e.actor_id != 50 for e in await events_of(relaxed_bot.db, report.id))
    [event] = [e for e in await rows(relaxed_bot.db, AdminEvent) if e.action == "user_erased"]
    # The person is named only by pseudonym (whose hex may itself contain "50"); no field holds the id.
    assert event.actor_id == 1 and event.target == f"user:{pseudonym(50)}"
    assert "50" not in json.dumps([event.before, event.after])
    await admin.send("/erase 1")
    assert "cannot erase yourself" in admin.last_text
    await person.send("/erase 1")
    assert (
        person.last_text == "This bot is for registered humanitarian field teams. To get access, ask your "
        "coordinator for an invite link, then open it or send /start with the invite code."
    )


async def test_history_says_reporter_not_the_telegram_id(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await relaxed_bot.user(777000111, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, 777000111)
    await admin.send(f"/history {report.reference}")
    assert "reporter: submitted" in admin.last_text.lower() or "reporter:" in admin.last_text
    assert "777000111" not in admin.last_text


async def test_cli_erases_a_person(tmp_path: Path, db: Database) -> None:
    env = clean_env(DATABASE_URL=scratch_db_url(tmp_path))
    assert (await asyncio.to_thread(khabar, "db", "upgrade", env=env, cwd=tmp_path)).returncode == 0
    target = db if not db.is_sqlite else Database(scratch_db_url(tmp_path))
    try:
        async with target.session() as session:
            session.add(User(id=60, role="reporter"))
        report = await make_report(target, 60)
        result = await asyncio.to_thread(khabar, "user", "erase", "60", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "1 reports kept" in result.stdout
        async with target.session() as session:
            assert await session.get(User, 60) is None
            stored = await session.get(Report, report.id)
            assert stored is not None and stored.reporter_id is None and stored.reporter_pseudonym
    finally:
        if target is not db:
            await target.dispose()
