"""Column types shared by the tables: UTC timestamps and closed vocabularies stored as strings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, DateTime, Label, String, Text, cast
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Vocabulary(TypeDecorator[E], Generic[E]):
    """A closed set (domain.vocabulary) stored as its plain string and read back as the enum member.

    The column stays VARCHAR (no database enum type, no migration); writing a string outside the set
    fails at once instead of storing a typo.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum
        # Members by stored value: a dict lookup per row, where calling the enum cost a microsecond
        # (a tenth of reading a day's reports for a digest).
        self.members = {member.value: member for member in enum}

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        member = self.members.get(value)
        return member if member is not None else self.enum(value)  # the enum's own error


class _ListAsText(TypeDecorator[list[Any]]):
    """A JSON list read as its stored text, the usual empty "[]" not decoded (`list_read`)."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any]:
        return list(json.loads(value)) if value and value != "[]" else []


def list_read(column: ColumnElement[Any]) -> Label[list[Any]]:
    """`column`, a JSON list nearly always empty (a report's withheld fields), selected as text and
    decoded only when not empty: pages and days of a thousand rows decoded one "[]" per row."""
    return cast(column, _ListAsText()).label(column.key)
