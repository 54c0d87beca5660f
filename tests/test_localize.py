"""bot.localize: digits, Solar Hijri dates with Afghan month names, input parsing and bidi isolation."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

import pytest

from bot.i18n import use_locale
from bot.localize import (
    FSI,
    MONTHS_IRANIAN,
    PDI,
    RLM,
    format_date,
    format_iso_date,
    format_number,
    format_time,
    isolate,
    isolate_ltr_runs,
    parse_date,
    parse_int,
    rtl_safe,
    starts_rtl,
)
from domain import languages

PERSIAN = re.compile("[\u06f0-\u06f9]")
ASCII_DIGIT = re.compile("[0-9]")
# Month names only Iran uses; دی is left out because it is also a common word.
MONTHS_PRS, MONTHS_PS = languages.language("fa_AF").months, languages.language("ps").months
IRANIAN_ONLY = [m for m in MONTHS_IRANIAN if m not in ("دی", "تیر", "مهر")]


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "1,234,567"), ("fa_AF", "۱٬۲۳۴٬۵۶۷"), ("ps", "۱٬۲۳۴٬۵۶۷")]
)
def test_numbers_use_the_digits_of_the_language(language: str, expected: str) -> None:
    assert format_number(1234567, language) == expected
    with use_locale(language):
        assert format_number(1234567) == expected


def test_decimal_separator() -> None:
    assert format_number(2.5, "fa_AF") == "۲٫۵"
    assert format_number(2.5, "en") == "2.5"


@pytest.mark.parametrize(
    ("day", "dari", "pashto"),
    [
        (date(2026, 3, 21), "۱ حمل ۱۴۰۵", "۱ وری ۱۴۰۵"),  # Nowruz
        (date(2026, 11, 24), "۳ قوس ۱۴۰۵", "۳ لیندۍ ۱۴۰۵"),
        (date(2027, 3, 20), "۲۹ حوت ۱۴۰۵", "۲۹ کب ۱۴۰۵"),
        (date(2026, 12, 22), "۱ جدی ۱۴۰۵", "۱ مرغومی ۱۴۰۵"),
    ],
)
def test_solar_hijri_dates_with_afghan_month_names(day: date, dari: str, pashto: str) -> None:
    assert format_date(day, "fa_AF") == dari
    assert format_date(day, "ps") == pashto
    assert format_date(day, "en") == f"{day.day} {day:%b} {day.year}"


def test_no_iranian_month_name_or_ascii_digit_all_year() -> None:
    start = date(2026, 3, 21)
    for offset in range(366):
        day = start + timedelta(days=offset)
        for language, months in (("fa_AF", MONTHS_PRS), ("ps", MONTHS_PS)):
            text = format_date(day, language)
            assert not ASCII_DIGIT.search(text) and PERSIAN.search(text), text
            assert text.split()[1] in months, text
            assert not any(name in text for name in IRANIAN_ONLY), text
            assert not ASCII_DIGIT.search(format_iso_date(day, language))


def test_iso_dates_and_times() -> None:
    assert format_iso_date(date(2026, 11, 24), "fa_AF") == "۱۴۰۵/۰۹/۰۳"
    assert format_iso_date(date(2026, 11, 24), "en") == "2026-11-24"
    assert format_time(time(7, 5), "ps") == "۰۷:۰۵"
    assert format_time(datetime(2026, 1, 1, 18, 30), "en") == "18:30"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("42", 42),
        ("۴۲", 42),
        ("٤٢", 42),
        (" 42 ", 42),
        ("1,500", 1500),
        ("1 500", 1500),
        ("1\u00a0500", 1500),
        ("۱٬۵۰۰", 1500),
        ("١٬٥٠٠", 1500),
        ("۱,۵۰۰", 1500),
        ("١،٥٠٠", 1500),
        ("12,345,678", 12345678),
        ("0", 0),
        ("۰", 0),
    ],
)
def test_parse_int_accepts_every_digit_script_and_separator(typed: str, value: int) -> None:
    assert parse_int(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "12a", "1,50", "۱۲٫۵", "1.5", "--3", "1 2"])
def test_parse_int_rejects_what_is_not_a_whole_number(typed: str) -> None:
    assert parse_int(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "2026-11-24",
        "24/11/2026",
        "24.11.2026",
        "۲۰۲۶-۱۱-۲۴",
        "1405/09/03",
        "۱۴۰۵/۰۹/۰۳",
        "۱۴۰۵/۹/۳",
        "١٤٠٥/٩/٣",
        "3 قوس 1405",
        "۳ قوس ۱۴۰۵",
        "3 لیندۍ 1405",
        "3 ليندۍ 1405",  # Arabic yeh, as many keyboards type it
        "٣ آذر ١٤٠٥",  # Iranian month name: accepted as input
    ],
)
def test_parse_date_in_both_calendars_and_every_digit_script(typed: str) -> None:
    assert parse_date(typed) == date(2026, 11, 24)


@pytest.mark.parametrize("typed", ["", "yesterday", "1405/13/01", "31/02/2026", "32 قوس 1405", "24/11"])
def test_parse_date_rejects_invalid_dates(typed: str) -> None:
    assert parse_date(typed) is None


def test_isolate_only_in_right_to_left_languages() -> None:
    with use_locale("en"):
        assert isolate("R-2026-000123") == "R-2026-000123"
        assert rtl_safe("R-2026-000123 approved") == "R-2026-000123 approved"
    with use_locale("fa_AF"):
        assert isolate("R-2026-000123") == f"{FSI}R-2026-000123{PDI}"


def test_isolate_ltr_runs_keeps_phrases_whole_and_punctuation_outside() -> None:
    with use_locale("ps"):
        text = isolate_ltr_runs("راپور R-2026-000123. ځای: Spin Boldak, AF2711 او /report")
    assert text == (  # A list keeps right-to-left order: each item is its own isolate.
        f"راپور {FSI}R-2026-000123{PDI}. ځای: {FSI}Spin Boldak{PDI}, {FSI}AF2711{PDI} او {FSI}/report{PDI}"
    )
    with use_locale("ps"):
        assert isolate_ltr_runs(text) == text  # idempotent: isolated runs are left alone
        assert isolate_ltr_runs("شمېره ۱۲ او 12") == "شمېره ۱۲ او 12"  # digits alone need no isolate


def test_isolate_ltr_runs_leaves_html_markup_alone() -> None:
    with use_locale("fa_AF"):
        text = isolate_ltr_runs(
            '<b>گزارش</b> <a href="https://x.org/a">R-1</a> &amp; <code>AF01</code>', html=True
        )
    assert (
        text == f'<b>گزارش</b> <a href="https://x.org/a">{FSI}R-1{PDI}</a> &amp; <code>{FSI}AF01{PDI}</code>'
    )


def test_rtl_safe_marks_lines_that_would_start_left_to_right() -> None:
    with use_locale("fa_AF"):
        text = rtl_safe(
            "R-2026-000123 · تأیید شده\nگزارش جدید\n/report را بفرستید\n۱۲ نفر\n<b>AF01</b>", html=True
        )
    lines = text.split("\n")
    assert lines[0] == f"{RLM}{FSI}R-2026-000123{PDI} · تأیید شده"
    assert lines[1] == "گزارش جدید"
    assert lines[2] == f"{RLM}{FSI}/report{PDI} را بفرستید"
    assert lines[3] == "۱۲ نفر"  # Persian digits are weak; the first strong letter is Arabic script
    assert lines[4] == f"{RLM}<b>{FSI}AF01{PDI}</b>"
    assert all(starts_rtl(line, html=True) is not False for line in lines)
    with use_locale("fa_AF"):
        assert rtl_safe(text, html=True) == text


def test_starts_rtl_follows_the_first_strong_character() -> None:
    assert starts_rtl("گزارش R-1") is True
    assert starts_rtl("R-1 گزارش") is False
    assert starts_rtl(f"{FSI}R-1{PDI} گزارش") is False  # not every client skips isolates
    assert starts_rtl(f"{RLM}{FSI}R-1{PDI} گزارش") is True
    assert starts_rtl("۱۲ — ۳۴") is None
    assert unicodedata.bidirectional(RLM) == "R"


def test_time_zones_are_named_in_the_language() -> None:
    from bot.localize import format_zone

    assert format_zone("Asia/Kabul", "en") == "Afghanistan Time"
    assert format_zone("Asia/Kabul", "fa_AF") == "وقت افغانستان"
    assert format_zone("Asia/Kabul", "ps") == "د افغانستان وخت"
    assert format_zone("Asia/Tehran", "en") == "Iran Time"  # other zones: CLDR, pinned by the lock
    assert format_zone("UTC", "fa_AF") == f"{FSI}UTC{PDI}"
    assert format_zone("UTC", "en") == "UTC"


def test_fold_letters_unifies_keyboard_variants() -> None:
    from bot.localize import fold_letters

    assert fold_letters("كابل") == fold_letters("کابل")
    assert fold_letters("ولسوالي") == fold_letters("ولسوالی") == fold_letters("ولسوالۍ")
    assert fold_letters("گزارش‌ها") == fold_letters("گزارشها")


def test_lists_use_the_comma_of_the_language() -> None:
    from bot.localize import join_items

    with use_locale("fa_AF"):
        assert join_items(["کابل", "هرات"]) == "کابل، هرات"
    with use_locale("en"):
        assert join_items(["Kabul", "Herat"]) == "Kabul, Herat"
