"""Which language to speak to whom. Pure rules over the registry (`domain.languages`)."""

from __future__ import annotations

from domain import languages


def guess_language(telegram_code: str | None, default: str) -> str:
    """Telegram's language_code (fa, prs and fa-AF → Dari, ps → Pashto, …), else `default`."""
    guessed = languages.from_telegram(telegram_code)
    if guessed is not None:
        return guessed
    return default if languages.is_known(default) else languages.SOURCE
