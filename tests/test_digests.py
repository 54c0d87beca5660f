"""Digest content: filters, totals with change, withheld fields, no reporter identity, splitting under
4,096 characters at report boundaries, and the subscriber's language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot import scheduler
from bot.digests import MAX_MESSAGE, Blocks, render_digest, split_parts
from bot.i18n import use_locale
from bot.scheduler import due_digests
from storage.models import Report, Subscription
from storage.users import UserRepository
from tests.conftest import BotFactory
from tests.delivery_support import add_report, add_subscribers, get_sub, hours, outbox_rows, utc
from tests.harness import FAST, RELAXED, BotHarness

START, END = utc(2026, 3, 9, 2, 30), utc(2026, 3, 10, 2, 30)


def _report(n: int, **fields: object) -> Report:
    values: dict[str, Any] = {
        "id": n,
        "reference": f"R-2026-{n:06d}",
        "draft_token": f"t{n}",
        "category": "health_attack",
        "province_pcode": "AF01",
        "district_pcode": "AF0101",
        "certainty": "confirmed",
        "status": "approved",
        "answers": {"description": f"Report number {n}."},
        "killed": 0,
        "injured": 2,
        "approved_at": START + hours(1),
    }
    values.update(fields)
    return Report(**values)


def _sub(**fields: Any) -> Subscription:
    return Subscription(user_id=1, timezone="Asia/Kabul", **fields)


def test_filters_by_province_category_and_certainty() -> None:
    reports = [
        _report(1),
        _report(2, province_pcode="AF06", district_pcode=None),
        _report(3, category="displacement"),
        _report(4, certainty="probable"),
        _report(5, certainty="possible"),
    ]
    every = "\n".join(render_digest(_sub(), START, END, reports, []))
    assert all(f"R-2026-00000{n}" in every for n in range(1, 6))

    kabul_health = "\n".join(
        render_digest(_sub(provinces=["AF01"], categories=["health_attack"]), START, END, reports, [])
    )
    assert [n for n in range(1, 6) if f"R-2026-00000{n}" in kabul_health] == [1, 4, 5]

    probable = "\n".join(render_digest(_sub(min_certainty="probable"), START, END, reports, []))
    assert [n for n in range(1, 6) if f"R-2026-00000{n}" in probable] == [1, 2, 3, 4]
    confirmed = "\n".join(render_digest(_sub(min_certainty="confirmed"), START, END, reports, []))
    assert [n for n in range(1, 6) if f"R-2026-00000{n}" in confirmed] == [1, 2, 3]

    assert render_digest(_sub(provinces=["AF17"]), START, END, reports, []) == []
    [empty] = render_digest(_sub(provinces=["AF17"], send_empty=True), START, END, reports, [])
    assert "No new approved reports" in empty


def test_totals_by_category_and_province_with_change() -> None:
    reports = [_report(1), _report(2), _report(3, category="displacement", province_pcode="AF06")]
    previous = [("health_attack", "AF01", "confirmed")] * 4 + [("explosive_hazard", "AF06", "confirmed")]
    [text] = render_digest(_sub(), START, END, reports, previous)
    assert "3 approved reports (−2)" in text
    assert "• Attack on health care: 2 (−2)" in text
    assert "• Displacement: 1 (+1)" in text
    assert "• Explosive hazard: 0 (−1)" in text
    assert "• Kabul: 2 (−2)" in text
    assert "• Nangarhar: 1 (no change)" in text
    assert "9 Mar 2026 07:00 – 10 Mar 2026 07:00" in text  # the period in Kabul time
    assert "Kabul (Kabul)" in text  # district with its province
    assert "Killed: 0 · Injured: 2 · Corroborations: 0" in text


def test_totals_name_only_what_passes_the_certainty_filter() -> None:
    reports = [
        _report(1),
        _report(2, category="displacement", province_pcode="AF06", district_pcode=None, certainty="possible"),
    ]
    [text] = render_digest(_sub(min_certainty="confirmed"), START, END, reports, [])
    assert "1 approved report (+1)" in text
    assert "Displacement" not in text and "Nangarhar" not in text


def test_sensitive_fields_withheld() -> None:
    secret = _report(
        1,
        sensitive_fields=["description", "district", "killed"],
        answers={"description": "Named the doctor and the guard."},
        killed=3,
        injured=None,
    )
    [text] = render_digest(_sub(), START, END, [secret], [])
    assert "doctor" not in text
    assert "(withheld)" in text
    assert "Killed: (withheld) · Injured: unknown" in text
    block = text[text.index("R-2026-000001") :]
    assert "Kabul (Kabul)" not in block and "· Kabul" in block  # province only


def test_parts_split_at_report_boundaries_under_limit() -> None:
    reports = [_report(n, answers={"description": f"Incident {n}. " + "x" * 250}) for n in range(1, 80)]
    parts = render_digest(_sub(), START, END, reports, [])
    assert len(parts) > 2
    assert all(len(p) <= MAX_MESSAGE for p in parts)
    assert all("(continued, part" in p for p in parts[1:])
    seen = [int(m) for p in parts for m in re.findall(r"R-2026-(\d{6})", p)]
    assert seen == list(range(1, 80))  # every report once, in order, never cut in two
    for part in parts:
        for ref in re.findall(r"R-2026-(\d{6})", part):
            assert f"Incident {int(ref)}. " in part


def test_dari_digest_uses_hijri_dates_and_persian_digits() -> None:
    with use_locale("fa_AF"):
        [text] = render_digest(_sub(), START, END, [_report(1)], [])
    assert "حوت" in text or "حمل" in text  # Afghan Solar Hijri month names
    assert "۱۴۰۴" in text or "۱۴۰۵" in text
    assert "\u2068R-2026-000001\u2069" in text  # the reference isolated inside RTL text


async def test_digest_never_names_the_reporter(relaxed_bot: BotHarness) -> None:
    async with relaxed_bot.db.session() as session:
        reporter = await UserRepository(session).set_role(777_000_111, "reporter")
        reporter.first_name = "Zarghuna"
    [sub] = await add_subscribers(relaxed_bot, 1, last_period_end=START, language="ps")
    await add_report(relaxed_bot.db, approved_at=START + hours(2), reporter_id=777_000_111)
    await due_digests(relaxed_bot.db, END + timedelta(minutes=1))
    [row] = await outbox_rows(relaxed_bot.db)
    assert row.subscription_id == sub.id
    assert "Zarghuna" not in row.text and "777000111" not in row.text and "۷۷۷۰۰۰۱۱۱" not in row.text
    assert "R-2026-" in row.text
    assert re.search("[۰-۹]", row.text)  # rendered in the subscriber's language (Pashto digits)


async def test_digest_lists_at_most_max_parts_most_serious_first(bot_factory: BotFactory) -> None:
    """DIGEST_MAX_PARTS, through /digest_now: the totals count every report, the list starts with
    the urgent, then the deadliest (a withheld count counting as none), and the last part allowed
    says how many were left out."""
    bot = await bot_factory(limits=RELAXED, background_jobs=False, digest_max_parts=2, **FAST)
    admin = await bot.user(10_000, "Admin", "en", role="admin")
    await add_subscribers(bot, 1, first_id=admin.id, last_period_end=START)
    long = "Shelling near the clinic. " * 11
    withheld = await add_report(
        bot.db, approved_at=START + hours(1), killed=7, sensitive=["killed"], description=long
    )
    ordinary = [
        await add_report(bot.db, approved_at=START + hours(2), killed=0, description=long) for _ in range(40)
    ]
    deadly = await add_report(bot.db, approved_at=START + hours(3), killed=4, certainty="possible")
    urgent = await add_report(bot.db, approved_at=START + hours(4), killed=0, urgent=True)

    await admin.send("/digest_now")
    parts = [row.text for row in await outbox_rows(bot.db, "digest")]
    assert len(parts) == 2 and all(len(p) <= MAX_MESSAGE for p in parts)
    assert "43 approved reports" in parts[0]  # the totals count every report
    listed = [ref for part in parts for ref in re.findall(r"R-2026-\d{6}", part)]
    assert listed[:4] == [urgent.reference, deadly.reference, withheld.reference, ordinary[0].reference]
    assert (
        listed
        == [urgent.reference, deadly.reference, withheld.reference, *(r.reference for r in ordinary)][
            : len(listed)
        ]
    )
    left = 43 - len(listed)
    assert left > 0
    assert parts[-1].endswith(
        f"{left} more reports are not listed here. Find them with /search, "
        "or narrow this subscription in /subscriptions."
    )


def test_a_block_with_no_room_even_in_a_new_part_is_cut_to_fit() -> None:
    """Blocks are packed by their measured lengths; one that cannot fit even after a fresh part's
    header (a header near the limit) is cut to the room left, not looped over."""
    reports = [_report(n, answers={"description": f"Incident {n}. " + "x" * 250}) for n in range(1, 4)]
    header = "H" * (MAX_MESSAGE - 100)
    parts = split_parts("S" * (MAX_MESSAGE - 50), Blocks(reports), [0, 1, 2], header)
    assert len(parts) == 4 and all(len(p) == MAX_MESSAGE for p in parts[1:])
    assert [p[p.index("R-2026-") :][:13] for p in parts[1:]] == [f"R-2026-00000{n}" for n in (1, 2, 3)]


def test_left_out_line_in_the_subscribers_language() -> None:
    reports = [_report(n, answers={"description": f"Incident {n}. " + "x" * 250}) for n in range(1, 40)]
    with use_locale("fa_AF"):
        [part] = render_digest(_sub(), START, END, reports, [], max_parts=1)
    assert len(part) <= MAX_MESSAGE
    assert part.split("\n\n")[-1].startswith(("۱", "۲", "۳")) and "/search" in part
    assert "گزارش دیگر" in part.split("\n\n")[-1]


async def test_a_failed_render_leaves_its_page_due_and_the_page_in_flight_whole(
    relaxed_bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page is closed in its own transaction while the next is rendered: a render failing on the
    second page leaves the first written whole and the second's periods due (nothing lost); the
    next run queues each remaining digest once."""
    count = scheduler.BATCH + 30
    subs = await add_subscribers(relaxed_bot, count, last_period_end=START)
    await add_report(relaxed_bot.db, approved_at=START + hours(1))
    render, calls = scheduler._render, 0

    def failing(*args: Any, **kwargs: Any) -> list[str]:
        nonlocal calls
        calls += 1
        if calls > scheduler.BATCH + 10:  # on the second page, the first one then in flight
            raise RuntimeError("render failed")
        return render(*args, **kwargs)

    monkeypatch.setattr(scheduler, "_render", failing)
    with pytest.raises(RuntimeError):
        await due_digests(relaxed_bot.db, END + timedelta(minutes=1))
    assert len(await outbox_rows(relaxed_bot.db)) == scheduler.BATCH
    assert (await get_sub(relaxed_bot.db, subs[0].id or 0)).last_period_end == END
    assert (await get_sub(relaxed_bot.db, subs[-1].id or 0)).last_period_end == START

    monkeypatch.setattr(scheduler, "_render", render)
    result = await due_digests(relaxed_bot.db, END + timedelta(minutes=1))
    assert (result.digests, result.messages) == (30, 30)
    rows = await outbox_rows(relaxed_bot.db)
    assert sorted(r.subscription_id or 0 for r in rows) == sorted(s.id or 0 for s in subs)
    assert (await due_digests(relaxed_bot.db, END + timedelta(minutes=2))).messages == 0
