"""The one language registry: everything the bot needs to know to speak a language.

Adding a language is one `Language` entry here plus its catalog `locales/<code>/LC_MESSAGES/
khabar.po` (and, if the gazetteer has names in it, a name column listed first in `place_names`).
Nothing outside this module branches on a language code (tests/test_languages.py checks).

Standard library only: `python3 domain/languages.py` prints the codes for the Makefile before any
virtual environment exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    SOLAR_HIJRI = "solar_hijri"  # the Afghan civil calendar (same months as Iran's, other names)


@dataclass(frozen=True)
class Language:
    code: str  # the catalog directory and the value stored in users.language
    native_name: str  # written in its own script, for the language chooser
    # Primary subtags of Telegram's user.language_code that mean this language; the first is the
    # one the command menu is published under.
    telegram_codes: tuple[str, ...]
    rtl: bool  # right to left: bidi marks, Eastern Arabic-Indic digits, the Arabic comma
    cldr: str  # the Babel/CLDR locale (time zone names, plural rules)
    calendar: Calendar
    months: tuple[str, ...]  # the twelve month names shown in dates, in `calendar`'s order
    # Gazetteer name columns, best first: a place without a name in the first falls back to the next.
    place_names: tuple[str, ...]


SOURCE = "en"  # msgids are English; the language of exports and of the fallback

REGISTRY: tuple[Language, ...] = (
    Language(
        code="en",
        native_name="English",
        telegram_codes=("en",),
        rtl=False,
        cldr="en",
        calendar=Calendar.GREGORIAN,
        months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        place_names=("name_en",),
    ),
    Language(
        code="fa_AF",
        native_name="دری",
        telegram_codes=("fa", "prs"),  # Telegram sends fa (or fa-AF) for Dari
        rtl=True,
        cldr="fa_AF",
        calendar=Calendar.SOLAR_HIJRI,
        # Afghan (not Iranian) month names.
        months=("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
        place_names=("name_prs", "name_en"),
    ),
    Language(
        code="ps",
        native_name="پښتو",
        telegram_codes=("ps", "pbt", "pbu"),
        rtl=True,
        cldr="ps",
        calendar=Calendar.SOLAR_HIJRI,
        months=(
            "وری",
            "غویی",
            "غبرګولی",
            "چنګاښ",
            "زمری",
            "وږی",
            "تله",
            "لړم",
            "لیندۍ",
            "مرغومی",
            "سلواغه",
            "کب",
        ),
        # Many places have no Pashto name; Dari is closer to Pashto readers than English.
        place_names=("name_ps", "name_prs", "name_en"),
    ),
)

CODES: tuple[str, ...] = tuple(language.code for language in REGISTRY)
_BY_CODE = {language.code: language for language in REGISTRY}
_BY_TELEGRAM = {tg: language.code for language in REGISTRY for tg in language.telegram_codes}
# Every gazetteer name column any language reads, in registry order.
PLACE_NAME_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(column for language in REGISTRY for column in language.place_names)
)


def language(code: str | None) -> Language:
    """The entry for `code`; the source language for an unknown or missing code."""
    return _BY_CODE.get(code or SOURCE) or _BY_CODE[SOURCE]


def is_known(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def from_telegram(telegram_code: str | None) -> str | None:
    """The language a Telegram language_code means (fa, fa-AF, prs → fa_AF), None if none we speak."""
    primary = (telegram_code or "").lower().replace("_", "-").split("-", 1)[0]
    return _BY_TELEGRAM.get(primary)


def describe_choices() -> str:
    """'en', 'fa_AF' or 'ps': for configuration errors."""
    quoted = [repr(code) for code in CODES]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


if __name__ == "__main__":
    print(" ".join(CODES))
