"""/search: coordinators find recent approved reports; withheld answers cannot be searched for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import moderation, search
from storage.search import SearchRepository
from tests.harness import BotHarness
from tests.moderation_support import make_report

REPORTER_ID = 10


async def approve(bot: BotHarness, report_id: int | None, at: datetime) -> None:
    assert report_id is not None
    async with bot.db.session() as session:
        result = await moderation.approve(
            session, report_id=report_id, version=0, actor_id=1, certainty="confirmed", urgent=False, now=at
        )
    assert result.done


async def test_search_finds_approved_reports_by_words_and_place(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    now = datetime.now(UTC)
    clinic = await make_report(relaxed_bot.db, REPORTER_ID, description="Clinic roof destroyed by shelling.")
    market = await make_report(relaxed_bot.db, REPORTER_ID, district="AF0102", description="Market closed.")
    secret = await make_report(relaxed_bot.db, REPORTER_ID, description="Names of the guards: Karim.")
    await make_report(relaxed_bot.db, REPORTER_ID, description="Clinic pending, not approved yet.")
    for report in (clinic, market, secret):
        await approve(relaxed_bot, report.id, now)
    async with relaxed_bot.db.session() as session:
        await moderation.toggle_sensitive(
            session, report_id=secret.id or 0, version=1, actor_id=1, field_name="description", now=now
        )

    coordinator = await relaxed_bot.user(20, "Coord", role="coordinator")
    await coordinator.send("/search clinic")
    assert clinic.reference in coordinator.last_text
    assert market.reference not in coordinator.last_text and "pending" not in coordinator.last_text
    await coordinator.send("/search Paghman")  # AF0102's district name, from the gazetteer
    assert market.reference in coordinator.last_text and clinic.reference not in coordinator.last_text
    await coordinator.send("/search پغمان")  # the same district in Dari finds it too
    assert market.reference in coordinator.last_text
    await coordinator.send("/search Karim")  # a withheld description is not searchable
    assert "No approved report" in coordinator.last_text
    await coordinator.send("/search")
    assert all(r.reference in coordinator.last_text for r in (clinic, market, secret))
    assert "Names of the guards" not in coordinator.last_text

    reporter = await relaxed_bot.user(11, "Other reporter", role="reporter")
    await reporter.send("/search clinic")
    assert reporter.last_text == "You don't have permission to do that."

    async with relaxed_bot.db.session() as session:
        later = await search.search(session, "clinic", now + timedelta(days=search.SEARCH_DAYS + 1))
    assert later == []


async def test_the_database_matches_letters_digits_and_case_as_typed(relaxed_bot: BotHarness) -> None:
    """The stored text and the words asked go through one normalisation: Arabic and Persian letter
    variants, any digit script and case all match; LIKE's wildcards are plain characters; words under
    three characters (below the trigram index) still match."""
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    now = datetime.now(UTC)
    report = await make_report(
        relaxed_bot.db, REPORTER_ID, description="Checkpoint KABUL: ۱۲ نفر در کلینیک، 7 trucks"
    )
    other = await make_report(relaxed_bot.db, REPORTER_ID, description="Nothing of the kind.")
    for r in (report, other):
        await approve(relaxed_bot, r.id, now)

    async def found(words: str) -> list[str]:
        async with relaxed_bot.db.session() as session:
            return [r.reference for r in await search.search(session, words, now)]

    assert await found("kabul checkpoint") == [report.reference]
    assert await found("CHECKPOINT") == [report.reference]
    assert await found("12") == [report.reference]  # typed in ASCII, stored in Persian digits
    assert await found("۷ TRUCKS") == [report.reference]
    assert await found("كلينيك") == [report.reference]  # Arabic kaf and yeh for Persian ک and ی
    assert await found("%") == [] and await found("r_2026") == []  # "-" is not any character
    assert await found("checkpoint nothing") == []
    assert set(await found("")) == {report.reference, other.reference}


async def test_reports_approved_before_search_texts_were_stored_are_filled(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    now = datetime.now(UTC)
    report = await make_report(relaxed_bot.db, REPORTER_ID, description="Flooded clinic.")
    await approve(relaxed_bot, report.id, now)
    assert report.id is not None
    async with relaxed_bot.db.session() as session:
        await SearchRepository(session).set_text(report.id, None)  # as migration 0008 leaves them
        assert await search.search(session, "flooded", now) == []
    assert await search.fill_missing(relaxed_bot.db) == 1
    async with relaxed_bot.db.session() as session:
        assert [r.id for r in await search.search(session, "flooded", now)] == [report.id]
    assert await search.fill_missing(relaxed_bot.db) == 0
