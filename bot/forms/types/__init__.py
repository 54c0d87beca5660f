"""Form field types as classes in one registry, as pyxform's question classes.

Adding a type: a class (or, for a media kind, a `MediaType` instance) in this package, one entry in
`FIELD_TYPES`, and, for an answer Telegram delivers as a new kind of message, a handler filter.
"""

from __future__ import annotations

from typing import Any

from bot.forms.types.base import FieldType
from bot.forms.types.choice import ChoiceType, MultiChoiceType
from bot.forms.types.media import PHOTO, VOICE, MediaType
from bot.forms.types.place import AdminAreaType, LocationType
from bot.forms.types.scalar import DateType, IntegerType, TextType

_ALL: tuple[FieldType[Any], ...] = (
    ChoiceType(),
    MultiChoiceType(),
    IntegerType(),
    DateType(),
    TextType(),
    LocationType(),
    AdminAreaType(),
    PHOTO,
    VOICE,
)
FIELD_TYPES: dict[str, FieldType[Any]] = {t.name: t for t in _ALL}
MEDIA_TYPES: dict[str, MediaType] = {t.media: t for t in _ALL if isinstance(t, MediaType)}
# The draft's bookkeeping for the question being asked, dropped when the question changes.
TRANSIENT_STATE: tuple[str, ...] = (
    "multi",
    "pending",
    "page",
    *(key for t in MEDIA_TYPES.values() for key in (t.state_key, t.seen_key)),
)

__all__ = ["FIELD_TYPES", "MEDIA_TYPES", "TRANSIENT_STATE", "FieldType"]
