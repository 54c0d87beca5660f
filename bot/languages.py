"""Which language to speak to whom. Pure rules."""

from __future__ import annotations

from bot.config import LANGUAGES

# Each language's name written in its own script, for the chooser.
NATIVE_NAMES = {"en": "English", "fa_AF": "دری", "ps": "پښتو"}
TELEGRAM_CODES = {"en": "en", "fa_AF": "fa", "ps": "ps"}


def guess_language(telegram_code: str | None, default: str) -> str:
    """Telegram's language_code: fa/prs (and fa-AF) → Dari, ps → Pashto, en → English, else default."""
    code = (telegram_code or "").lower().replace("_", "-")
    primary = code.split("-", 1)[0]
    if primary in ("fa", "prs"):
        return "fa_AF"
    if primary in ("ps", "pbt", "pbu"):
        return "ps"
    if primary == "en":
        return "en"
    return default if default in LANGUAGES else "en"
