"""Roles and what each may do. Pure rules: no Telegram, no SQL."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STRANGER = "stranger"
    REPORTER = "reporter"
    COORDINATOR = "coordinator"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {
    Role.STRANGER: 0,
    Role.REPORTER: 1,
    Role.COORDINATOR: 2,
    Role.MODERATOR: 3,
    Role.ADMIN: 4,
}


def role_of(value: str | None) -> Role:
    try:
        return Role(value or "stranger")
    except ValueError:
        return Role.STRANGER
