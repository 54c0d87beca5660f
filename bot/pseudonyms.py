"""Keyed pseudonyms for Telegram ids: in logs, and in closed reports once their retention period ends.

HMAC-SHA256 with PSEUDONYM_KEY, so nobody without the key can turn a pseudonym back into an id by
trying every id (there are only about 10^10). Without a configured key, a random one is made for
the life of the process: pseudonyms then never link across restarts, which only ever makes them
more anonymous (see README, "Data protection").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import SecretStr

_key: bytes = secrets.token_bytes(32)
PREFIX = "p:"


def configure(key: SecretStr | None) -> None:
    """Use `key` (PSEUDONYM_KEY) from now on; None keeps the process's random key."""
    global _key
    if key is not None:
        _key = key.get_secret_value().encode()


def pseudonym(telegram_id: object) -> str:
    """A short, stable (for one key) name for a Telegram id that does not reveal it; "-" for none
    (anything but an int: `update.effective_user and update.effective_user.id` may be a None)."""
    if not isinstance(telegram_id, int):
        return "-"
    digest = hmac.new(_key, str(telegram_id).encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]
