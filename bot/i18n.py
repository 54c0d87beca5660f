"""Translations through gettext, with the locale of the current update in a ContextVar.

Handlers never pass a language around: the access layer sets it once per update, and `_()` reads it.
Placeholders are named (`{ref}`) and filled after translation, never inside `_()`.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import locales
from domain import languages

DOMAIN = "khabar"
LOCALES_DIR = Path(locales.__file__).parent

_current: ContextVar[str] = ContextVar("khabar_locale", default=languages.SOURCE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for `language`: the compiled .mo when fresh, else compiled from .po in memory."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def set_locale(language: str | None) -> None:
    _current.set(language if language and languages.is_known(language) else languages.SOURCE)


def get_locale() -> str:
    return _current.get()


def is_rtl(language: str | None = None) -> bool:
    return languages.language(language or get_locale()).rtl


def _(message: str) -> str:
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`_()` for a word that means different things on different screens (Keep an answer, Keep a
    subscription): the context tells the translator which, and each context has its own translation."""
    return translations(get_locale()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it later with `_()`."""
    return message


@contextmanager
def use_locale(language: str | None) -> Iterator[None]:
    """Render for another person's language (digests, notifications), then restore."""
    token = _current.set(language if language and languages.is_known(language) else languages.SOURCE)
    try:
        yield
    finally:
        _current.reset(token)
