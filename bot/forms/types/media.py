"""Media answers: a list of Telegram file ids of one media kind, up to a maximum count.

Photos are one instance; another media kind (voice, video) is another `MediaType(...)` in the
registry, with its texts, plus a handler filter passing that kind to `Intake.on_media`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.forms.actions import Button, ReportAction
from bot.forms.types.base import (
    Asking,
    FieldType,
    Media,
    Move,
    Options,
    Refuse,
    Reply,
    Skip,
    Store,
    Verdict,
)
from bot.i18n import N_, _, ngettext
from bot.localize import format_number
from bot.places import Gazetteer

if TYPE_CHECKING:
    from bot.forms.model import Form, FormField


@dataclass(frozen=True)
class MediaOptions(Options):
    max_count: int = 5


@dataclass(frozen=True)
class MediaTexts:
    """What the reporter reads about one media kind (msgids, or functions of a count)."""

    received: Callable[[int], str]  # "3 photos received. Send another, or press Done."
    counted: Callable[[int], str]  # "3 photos", in summaries
    expected: str  # a typed text at this question
    misplaced: str  # this media kind sent at another question
    missing: str  # Done pressed before any was sent, at a required question
    repeated: str  # the same file sent again for this question


class MediaType(FieldType[MediaOptions]):
    options_type = MediaOptions
    constraints = frozenset({"max"})
    keepable = False  # Done keeps what was received
    numeric_export = True  # exported as the count

    def __init__(self, media: str, texts: MediaTexts, default_max: int = 5) -> None:
        self.name = self.media = media
        self.texts = texts
        self.buttons_only = texts.expected
        self.default_max = default_max
        self.state_key = f"{media}s"  # the files received so far, in the draft's bookkeeping
        self.seen_key = f"{media}_uids"  # their Telegram file_unique_ids, so none is stored twice

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> MediaOptions:
        return MediaOptions(max_count=int(constraint.get("max", self.default_max)))

    def check_text(self, f: FormField, text: str, today: date) -> Verdict:
        return Verdict(error=_(self.texts.expected))

    def on_media(self, q: Asking, media: Media) -> Move | None:
        if media.kind != self.media:
            return None
        files = list(q.state.get(self.state_key, []))
        seen = list(q.state.get(self.seen_key, []))
        done = [[q.button(_("Done"), ReportAction.DONE)]]
        if media.unique_id in seen:
            # Sent again (the reporter could not see it arrive): never stored twice.
            return Reply(_(self.texts.repeated) + "\n" + self.texts.received(len(files)), done)
        most = self.options(q.field).max_count
        files = [*files, media.file_id][:most]
        q.state[self.state_key] = files
        q.state[self.seen_key] = [*seen, media.unique_id][:most]
        if len(files) >= most:
            return Store(files, edit=False)
        return Reply(self.texts.received(len(files)), done)

    def buttons(self, q: Asking) -> list[list[Button]]:
        return [[q.button(_("Done"), ReportAction.DONE)]]

    def held(self, q: Asking) -> str | None:
        files = q.state.get(self.state_key, [])
        return self.texts.received(len(files)) if files else None

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        if action is not ReportAction.DONE:
            return None
        files = list(q.state.get(self.state_key, []))
        if files:
            return Store(files)
        return Refuse(_(self.texts.missing)) if q.field.is_required(q.answers) else Skip()

    def format(self, f: FormField, value: Any) -> str:
        return self.texts.counted(len(value))

    def export(self, f: FormField, value: Any, gazetteer: Gazetteer) -> list[tuple[str, str, str]]:
        return [(f.hxl, f.name, "" if value is None else str(len(value)))]


def files_of(form: Form, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The Telegram file ids of a report by media kind ("photo", "voice"), for the moderator's card;
    never exported (exports carry counts)."""
    found: dict[str, list[str]] = {}
    for f in form.fields:
        value = answers.get(f.name)
        if isinstance(f.kind, MediaType) and isinstance(value, list):
            found.setdefault(f.kind.media, []).extend(str(v) for v in value)
    return found


PHOTO = MediaType(
    "photo",
    MediaTexts(
        received=lambda n: ngettext(
            "{n} photo received. Send another, or press Done.",
            "{n} photos received. Send another, or press Done.",
            n,
        ).format(n=format_number(n)),
        counted=lambda n: ngettext("{n} photo", "{n} photos", n).format(n=format_number(n)),
        expected=N_("Please send a photo, or press Done."),
        misplaced=N_("A photo can't answer this question."),
        missing=N_("Please send a photo first."),
        repeated=N_("This photo was already received."),
    ),
)

VOICE = MediaType(
    "voice",
    MediaTexts(
        received=lambda n: ngettext(
            "{n} voice note received. Send another, or press Done.",
            "{n} voice notes received. Send another, or press Done.",
            n,
        ).format(n=format_number(n)),
        counted=lambda n: ngettext("{n} voice note", "{n} voice notes", n).format(n=format_number(n)),
        expected=N_("Please send a voice note, or press Done."),
        misplaced=N_("A voice note can't answer this question."),
        missing=N_("Please send a voice note first."),
        repeated=N_("This voice note was already received."),
    ),
    default_max=3,
)
VOICE_ANSWER = "🎤"  # a free-text answer given as a voice note: the note itself is in the voice field
