"""One concept, one word: the checks a reader of Afghan Dari and Pashto asked for (review 2026-11-29).

A decision word that means two things misleads the people who act on it: "approved" (a moderator's
review) must never read as "confirmed" (how certain the incident is) or as a corroborating report.
These tests read the catalogs, the glossary and the form files; tests/test_translations.py checks
that every message is translated at all.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import pytest

from bot.forms.engine import categories, field_title
from bot.i18n import use_locale
from tests.test_translations import (
    LANGUAGES,
    LOCALES,
    ROOT,
    TRANSLATED,
    catalog,
    messages,
    msgid_of,
    source_messages,
    strings_of,
)


@dataclass(frozen=True)
class Concept:
    """A glossary entry whose word must be used for it and for nothing else."""

    glossary: str  # the English cell of its row in locales/GLOSSARY.md
    english: str  # a msgid that names the concept matches this
    words: dict[str, str]  # language → the word a translation of such a msgid uses
    wrong: dict[str, str]  # language → words that mean something else here


CONCEPTS = (
    Concept(
        "approved",
        r"\bapprov",
        {"fa_AF": "منظور", "ps": "منظور"},
        {"fa_AF": "تأیید|تایید", "ps": "تایید|تأیید"},
    ),
    Concept(
        "confirmed",
        r"\bconfirm|\bverif",
        {"fa_AF": "تأییدشده|تأیید(?!کننده| می‌کن)", "ps": "تایید شو|تایید(?!وونک|وي)"},
        {"fa_AF": "منظور", "ps": "منظور"},
    ),
    Concept(
        "corroboration (another report of the same incident)",
        r"corroborat",
        {"fa_AF": "تأییدکننده|تأیید می‌کن", "ps": "تاییدوونک|تاییدوي"},
        {"fa_AF": "منظور", "ps": "منظور"},
    ),
    Concept(
        "border crossing",
        r"\bborder crossings?\b|^(other )?crossing$|\bbandar\b",  # Bandar: in crossing names
        {"fa_AF": "گذرگاه سرحدی|بندر", "ps": "سرحدي بندر|بندر"},
        {"fa_AF": "مرز", "ps": "لار"},
    ),
    Concept(
        "IED",
        r"\bIED\b|\bimprovised\b",
        {"fa_AF": "تعبیه‌شده", "ps": "لاسي جوړ شوي چاودېدونکي"},
        {"fa_AF": "جاده|کنار", "ps": "چاودید"},
    ),
    Concept(
        "button",
        r"\bbuttons?\b",
        {"fa_AF": "تکمه", "ps": "تڼ"},
        {"fa_AF": "دکمه", "ps": "دکمه|تکمه"},
    ),
)


def _glossary() -> dict[str, tuple[str, str]]:
    """English cell → (Dari, Pashto) cells of every table row of locales/GLOSSARY.md."""
    rows: dict[str, tuple[str, str]] = {}
    for line in (LOCALES / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not set(cells[0]) <= {"-", " "}:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: c.glossary.split()[0])
def test_glossary_gives_each_concept_its_own_word(concept: Concept) -> None:
    row = _glossary().get(concept.glossary)
    assert row, f"locales/GLOSSARY.md has no row {concept.glossary!r}"
    for language, cell in zip(TRANSLATED, row, strict=True):
        assert re.search(concept.words[language], cell), (concept.glossary, language, cell)
        assert not re.search(concept.wrong[language], cell), (concept.glossary, language, cell)


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_concept_is_translated_with_its_own_word(language: str) -> None:
    """Where the English names a concept, the translation has the glossary word and not another
    meaning's word; where a translation has a concept's word, the English names that concept."""
    wrong = []
    for message in messages(language):
        english = msgid_of(message)
        for text in strings_of(message):
            for concept in CONCEPTS:
                named = re.search(concept.english, english, re.IGNORECASE)
                if named and not re.search(concept.words[language], text):
                    wrong.append(f"{english!r} lacks {concept.words[language]!r}: {text!r}")
                if named and re.search(concept.wrong[language], text):
                    others = [c for c in CONCEPTS if re.search(c.english, english, re.IGNORECASE)]
                    if not any(
                        re.search(c.words[language], m.group())
                        for c in others
                        for m in re.finditer(concept.wrong[language], text)
                    ):
                        wrong.append(f"{english!r} uses another meaning's word: {text!r}")
                if not named and re.search(concept.words[language], text) and concept.glossary != "button":
                    wrong.append(f"{text!r} says {concept.glossary!r} but {english!r} does not")
    assert not wrong, f"{len(wrong)} messages:\n" + "\n".join(sorted(set(wrong)))


def test_english_uses_approved_for_review_and_confirmed_for_certainty() -> None:
    """'verified' was a third word for one of the two concepts; translators merged all three."""
    found = [m for m in source_messages() if re.search(r"\bverified\b", m, re.IGNORECASE)]
    assert not found, found


# One English word on two screens: the translator needs to know which (msgctxt).
AMBIGUOUS = ("Keep", "Skip", "Edit", "Continue", "Resume")


@pytest.mark.parametrize("language", LANGUAGES)
def test_ambiguous_buttons_have_a_context(language: str) -> None:
    bare = [m.id for m in messages(language) if m.id in AMBIGUOUS and not m.context]
    assert not bare, f"give these a msgctxt (pgettext): {bare}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_one_word_in_two_contexts_reads_differently(language: str) -> None:
    by_id: dict[str, dict[str, str]] = {}
    for message in messages(language):
        if message.context and isinstance(message.id, str):
            by_id.setdefault(message.id, {})[message.context] = strings_of(message)[0]
    same = {msgid: texts for msgid, texts in by_id.items() if len(set(texts.values())) < len(texts)}
    assert not same, same
    strings = {m.id: strings_of(m)[0] for m in messages(language) if isinstance(m.id, str)}
    continue_ = catalog(language).get("Continue", context="draft")
    resume = catalog(language).get("Resume", context="subscription")
    assert continue_ and resume and continue_.string != resume.string, strings.get("Continue")


@pytest.mark.parametrize("language", LANGUAGES)
def test_edit_buttons_of_a_summary_can_be_told_apart(language: str) -> None:
    """Each answer of a summary has an ✏️ button named by its label: two equal labels are two
    buttons a reporter cannot tell apart (Place and Site were both محل / ځای)."""
    duplicates = {}
    with use_locale(language):
        for form in categories():
            titles = [field_title(f) for f in form.fields]
            twice = sorted({t for t in titles if titles.count(t) > 1})
            if twice:
                duplicates[form.code] = twice
    assert not duplicates, duplicates


# Placeholders that Pashto would have to inflect (after «د», inside a phrase) stand after a label.
_GRAMMAR_PLACEHOLDERS = re.compile(r"(.{0,2})\{(weekday|uses|certainty)\}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_inflecting_placeholders_stand_after_a_label(language: str) -> None:
    wrong = []
    for message in messages(language):
        for text in [msgid_of(message), *strings_of(message)]:
            for before, name in _GRAMMAR_PLACEHOLDERS.findall(text):
                if before and not re.search(r"(: |· |\n|\()$", before):
                    wrong.append(f"{{{name}}} inside a sentence: {text!r}")
    assert not wrong, "\n".join(sorted(set(wrong)))


# Numbers that belong to a command, a reference or a name (Covid-19), not to the sentence.
_NAMED_NUMBERS = re.compile(r"/\w+(?: [\w|]+)*|\bR-\d{4}-\d+|\w+-\d+|[A-Z]{2}\d+|\u2068[^\u2069]*\u2069")
# The date examples of the date question show how dates are typed, in each calendar.
_DATE_EXAMPLES = "Press a button, or type the date"


def _stray_digits(text: str) -> list[str]:
    return re.findall(r"[0-9\u06f0-\u06f9\u0660-\u0669]+", _NAMED_NUMBERS.sub(" ", text))


def test_numbers_are_placeholders_in_the_english_source() -> None:
    stray = {m: _stray_digits(m) for m in source_messages() if not m.startswith(_DATE_EXAMPLES)}
    assert not {m: d for m, d in stray.items() if d}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_write_no_numbers_of_their_own(language: str) -> None:
    stray = {
        msgid_of(m): text
        for m in messages(language)
        for text in strings_of(m)
        if _stray_digits(text) and not msgid_of(m).startswith(_DATE_EXAMPLES)
    }
    assert not stray, stray


def test_place_names_have_no_stray_spaces() -> None:
    """Names are shown as they are stored: «کنر ها» read as two words."""
    wrong = []
    for path in sorted((ROOT / "storage" / "gazetteer").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if value != value.strip() or "  " in value or re.search(r" (ها|های)\b", value):
                        wrong.append(f"{path.name} {next(iter(row.values()))} {column}: {value!r}")
    assert not wrong, wrong


@pytest.mark.parametrize("language", TRANSLATED)
def test_telegram_labels_are_quoted_as_telegram_shows_them(language: str) -> None:
    """Telegram has no Pashto interface and its Persian one says سنجاق for *pin*: name the 📎 icon
    and quote «Location» as the app shows it."""
    for message in messages(language):
        english = msgid_of(message)
        if "Location" in english and ("paperclip" in english or "📎" in english):
            for text in strings_of(message):
                assert "Location" in text and "📎" in text and "سنجاق" not in text, text
                assert "کلیپ" not in text, text
