"""The language registry is the one place that knows the languages (domain.languages).

Adding a language must be one registry entry plus its catalog: these checks fail when an entry is
incomplete or when some module starts branching on a language code again.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale

from domain import languages
from domain.languages import Calendar
from storage.models import District, Province

ROOT = Path(__file__).resolve().parents[1]
# The modules that may name a language: the registry itself, and two that other work is reshaping
# now (the intake split, the form types), each naming English once (a user's missing language, the
# export's place names); both switch to `languages.SOURCE` and leave this set when next touched.
ALLOWED = {"domain/languages.py"}
# Telegram test users are created with a Telegram language code, not one of ours.
TELEGRAM_SIDE = {"bot/runtime/sandbox.py"}


def _codes() -> set[str]:
    found = set(languages.CODES)
    for entry in languages.REGISTRY:
        found.update(entry.telegram_codes)
    return found


@pytest.mark.parametrize("code", languages.CODES)
def test_every_language_has_a_complete_entry_and_a_catalog(code: str) -> None:
    entry = languages.language(code)
    assert (ROOT / "locales" / code / "LC_MESSAGES" / "khabar.po").is_file()
    assert entry.native_name and entry.telegram_codes
    assert Locale.parse(entry.cldr)  # Babel knows it (time zone names, plural rules)
    assert entry.calendar in Calendar and len(entry.months) == 12 and all(entry.months)
    assert entry.place_names, "every language needs at least one gazetteer name column"
    assert entry.place_names[-1] == "name_en", "the chain ends with the column every place has"
    # A column no table has yet is allowed (the language falls back along its chain), but a chain
    # must reach a real column.
    columns = set(Province.model_fields) | set(District.model_fields)
    assert any(column in columns for column in entry.place_names)


def test_codes_are_unique_and_telegram_codes_unambiguous() -> None:
    assert len(set(languages.CODES)) == len(languages.CODES)
    telegram = [tg for entry in languages.REGISTRY for tg in entry.telegram_codes]
    assert len(set(telegram)) == len(telegram)
    assert languages.SOURCE in languages.CODES


def test_catalog_directories_are_all_registered() -> None:
    catalogs = {p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/khabar.po")}
    assert catalogs == set(languages.CODES)


def test_the_makefile_reads_the_registry_without_a_virtual_environment() -> None:
    # `python3 domain/languages.py` must work with the standard library alone.
    result = subprocess.run(
        [sys.executable, "-I", str(ROOT / "domain" / "languages.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == list(languages.CODES)
    assert "LANGS := $(shell $(PYTHON) domain/languages.py)" in (ROOT / "Makefile").read_text()


def _language_literals(path: Path, codes: set[str]) -> list[str]:
    """Every string constant in `path` that is a language code (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in codes and id(node) not in docstrings
    ]


def test_no_module_but_the_registry_names_a_language() -> None:
    codes = _codes()
    found: list[str] = []
    for package in ("bot", "domain", "handlers", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED or "migrations" in path.parts or "emulator" in path.parts:
                continue
            literals = _language_literals(path, codes)
            if relative in TELEGRAM_SIDE:
                literals = [line for line in literals if not line.endswith("'en'")]
            found += literals
    assert not found, "branch on the registry (domain.languages) instead:\n" + "\n".join(found)
