"""Numbers, dates and bidirectional text for every language the bot speaks; parsing of user input.

Dari and Pashto show Eastern Arabic-Indic (Persian) digits and Solar Hijri dates with Afghan month
names; English shows Western digits and Gregorian dates. Input accepts every digit script and both
calendars. This is the one module that formats or parses dates and numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import jdatetime
from babel.dates import get_timezone_location

from bot.i18n import N_, _, get_locale, is_rtl, use_locale
from domain import languages
from domain.languages import Calendar

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)


FSI, PDI = "\u2068", "\u2069"
RLM = "\u200f"
_ISOLATE_INITIATORS = "\u2066\u2067\u2068"  # LRI, RLI, FSI
# A left-to-right run: a command, reference, P-code, URL, Latin name or several Latin words in a row
# (one isolate for the whole phrase: isolated words side by side would be laid out right to left).
_LTR_RUN = re.compile(r"(?<![A-Za-z0-9])/?[A-Za-z0-9](?:[A-Za-z0-9_\-./:@#+'’&?=%|]|[ ,](?=/?[A-Za-z0-9]))*")
_TRAILING = ".,:;-/'’?&"
_ISOLATED = re.compile("[\u2066-\u2068][^\u2069]*\u2069")
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


def to_ascii_digits(text: str) -> str:
    return text.translate(_TO_ASCII)


def local_digits(text: str, language: str | None = None) -> str:
    """Render the digits of `text` in the script of `language` (default: the current locale)."""
    return text.translate(_TO_PERSIAN) if is_rtl(language) else text


def format_number(value: int | float, language: str | None = None) -> str:
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if is_rtl(language):
        text = text.replace(",", "٬").replace(".", "٫")
    return local_digits(text, language)


def parse_int(text: str) -> int | None:
    """An integer typed in any digit script, with or without thousands separators; None if not one."""
    cleaned = to_ascii_digits(text.strip())
    cleaned = re.sub(r"(?<=\d)[,\u066C\u060C' \u00A0\u202F](?=\d{3}\b)", "", cleaned)
    if re.fullmatch(r"[+-]?\d{1,12}", cleaned):
        return int(cleaned)
    return None


def isolate(fragment: str) -> str:
    """Wrap a left-to-right fragment (reference, P-code, Latin name) so RTL text keeps its order."""
    return f"{FSI}{fragment}{PDI}" if is_rtl() else fragment


def isolate_always(fragment: str) -> str:
    """Wrap text people typed (a first name) in an isolate in every language: its direction is
    its own, and it cannot reorder the line it is shown in."""
    return f"{FSI}{fragment}{PDI}"


def isolate_ltr_runs(text: str, *, html: bool = False) -> str:
    """Isolate every Latin run (commands, references, P-codes, URLs, Latin phrases) inside
    right-to-left text, leaving runs already isolated, HTML tags and entities alone. LTR text is
    returned unchanged; runs of digits alone need no isolate."""
    return _isolate_runs(text, html) if is_rtl() else text


def _isolate_runs(text: str, html: bool) -> str:
    out: list[str] = []
    position = 0
    for match in _ISOLATED.finditer(text):
        out.append(_isolate_plain(text[position : match.start()], html))
        out.append(match.group(0))
        position = match.end()
    out.append(_isolate_plain(text[position:], html))
    return "".join(out)


def _isolate_plain(text: str, html: bool) -> str:
    if html:
        return "".join(
            part if _MARKUP.fullmatch(part) else _isolate_plain(part, False) for part in _MARKUP.split(text)
        )
    return _LTR_RUN.sub(_isolate_run, text)


def _isolate_run(match: re.Match[str]) -> str:
    run = match.group(0)
    core = run.rstrip(_TRAILING)
    if not re.search("[A-Za-z]", core):
        return run
    return f"{FSI}{core}{PDI}{run[len(core) :]}"


def starts_rtl(line: str, *, html: bool = False) -> bool | None:
    """Whether a paragraph's first strong character is right-to-left (None: no strong character).

    An isolate at the start counts as left-to-right: not every Telegram client skips isolates when
    it picks a paragraph's direction, so such a line needs a mark in front."""
    if html:
        line = _MARKUP.sub(lambda m: "" if m.group(0).startswith("<") else " ", line)
    for char in line:
        if char in _ISOLATE_INITIATORS:
            return False
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return None


def looks_rtl(text: str) -> bool:
    """Whether most letters of `text` (outside isolates) are right-to-left: for text rendered earlier
    in someone else's language, such as a queued digest, when no locale is at hand."""
    plain = _ISOLATED.sub("", _MARKUP.sub("", text))
    kinds = [unicodedata.bidirectional(char) for char in plain if char.isalpha()]
    right = sum(kind in ("R", "AL") for kind in kinds)
    return right > len(kinds) - right


def rtl_safe(text: str, *, html: bool = False, rtl: bool | None = None) -> str:
    """Make a Dari or Pashto message render right to left in Telegram: isolate its LTR runs and put a
    right-to-left mark before every line that would otherwise start left to right. Used for every
    message the bot sends (handlers.common). `rtl` defaults to the current locale's direction."""
    if not (is_rtl() if rtl is None else rtl):
        return text
    lines = _isolate_runs(text, html).split("\n")
    return "\n".join(RLM + line if starts_rtl(line, html=html) is False else line for line in lines)


def format_date(day: date, language: str | None = None) -> str:
    """A date in the calendar, month names and digits of `language` (default: the current locale)."""
    return _date_in(day, language or get_locale())


@lru_cache(maxsize=4096)
def _date_in(day: date, language: str) -> str:
    # Kept: a digest run shows the same few days thousands of times, each a Solar Hijri conversion.
    entry = languages.language(language)
    if entry.calendar is Calendar.SOLAR_HIJRI:
        jd = jdatetime.date.fromgregorian(date=day)
        return local_digits(f"{jd.day} {entry.months[jd.month - 1]} {jd.year}", entry.code)
    return local_digits(f"{day.day} {entry.months[day.month - 1]} {day.year}", entry.code)


def format_iso_date(day: date, language: str | None = None) -> str:
    """A compact numeric date: 2026-11-24 in English, ۱۴۰۵/۰۹/۰۳ in Dari and Pashto."""
    entry = languages.language(language or get_locale())
    if entry.calendar is Calendar.SOLAR_HIJRI:
        jd = jdatetime.date.fromgregorian(date=day)
        return local_digits(f"{jd.year:04d}/{jd.month:02d}/{jd.day:02d}", entry.code)
    return local_digits(day.isoformat(), entry.code)


# Typed month names are matched after folding the letter variants people type (Arabic ي/ك, Pashto
# ې/ۍ/ئ, a zero-width non-joiner). Iranian month names are accepted as input, never shown.
_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ى": "ی", "ة": "ه", "\u200c": ""})
MONTHS_IRANIAN = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
_MONTH_WORDS = {
    name.translate(_FOLD): i + 1
    for names in (
        MONTHS_IRANIAN,
        *(entry.months for entry in languages.REGISTRY if entry.calendar is Calendar.SOLAR_HIJRI),
    )
    for i, name in enumerate(names)
}
_MONTH_PATTERN = re.compile(
    r"(\d{1,2})\s*(" + "|".join(sorted(map(re.escape, _MONTH_WORDS), key=len, reverse=True)) + r")\s*(\d{4})"
)


# The zone people here see is named in the project's own catalog: CLDR changed its Pashto name
# between two Babel releases, and a user-visible word must not change with a data library. Other
# zones take CLDR's name (Babel is pinned through the lock).
_ZONE_NAMES = {"Asia/Kabul": N_("Afghanistan Time")}


def format_zone(zone: str, language: str | None = None) -> str:
    """A time zone as people name it (Afghanistan Time, وقت افغانستان, د افغانستان وخت); the
    zone's own name, isolated, when CLDR has no city for it (UTC)."""
    language = language or get_locale()
    if zone in _ZONE_NAMES:
        with use_locale(language):
            return _(_ZONE_NAMES[zone])
    if zone not in ("UTC", "Etc/UTC"):
        try:
            return get_timezone_location(zone, locale=languages.language(language).cldr)
        except LookupError:
            pass
    return f"{FSI}{zone}{PDI}" if is_rtl(language) else zone


def join_items(items: Iterable[str]) -> str:
    """A list inside a sentence, with the comma of the current language (، in Dari and Pashto)."""
    return ("، " if is_rtl() else ", ").join(items)


def fold_letters(text: str) -> str:
    """One spelling for the letters Dari, Pashto and Arabic keyboards type differently (ي/ی, ك/ک,
    ې/ۍ/ئ, ة/ه, zero-width non-joiner), for matching what people type against what is stored."""
    return text.translate(_FOLD)


def format_time(moment: time | datetime, language: str | None = None) -> str:
    """Hours and minutes, 24-hour clock, in the digits of `language` (default: the current locale)."""
    return local_digits(f"{moment.hour:02d}:{moment.minute:02d}", language)


def parse_date(text: str) -> date | None:
    """A date typed as Gregorian (2026-11-24, 24/11/2026, 24.11.2026) or Solar Hijri (1405/09/03,
    ۱۴۰۵/۹/۳, 3 قوس 1405), in any digit script. Years below 1600 are Solar Hijri. None if invalid."""
    cleaned = to_ascii_digits(text.strip())
    match = _MONTH_PATTERN.fullmatch(cleaned.translate(_FOLD))
    if match:
        return _hijri(int(match.group(3)), _MONTH_WORDS[match.group(2)], int(match.group(1)))
    parts = re.split(r"[-/.\u066B\s]+", cleaned)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:
        year, month, day = a, b, c
    elif len(parts[2]) == 4:
        year, month, day = c, b, a
    else:
        return None
    if year < 1600:
        return _hijri(year, month, day)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _hijri(year: int, month: int, day: int) -> date | None:
    try:
        result: date = jdatetime.date(year, month, day).togregorian()
    except (ValueError, TypeError):
        return None
    return result


def days_ago(today: date, n: int) -> date:
    return today - timedelta(days=n)
