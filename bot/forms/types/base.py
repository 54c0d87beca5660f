"""The field type interface: everything that differs between a date, a choice, a place or a photo.

A type is a stateless object in the registry (`bot.forms.types.FIELD_TYPES`); a form field points
to it (`FormField.kind`) and carries the type's parsed keys (`FormField.options`). The walker
(`bot.intake.flow`) asks the type, and only the type, how to draw a question's buttons and what a
typed text, a media message, a location or a button press means; the type answers with a `Move`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from bot.forms.actions import Button, Press, ReportAction
from bot.i18n import N_, _
from bot.localize import format_number
from bot.places import Gazetteer

if TYPE_CHECKING:
    from datetime import date

    from bot.forms.model import Form, FormField

MAX_MESSAGE = 5000  # longer messages are refused whatever the question


# --- answers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The result of checking one answer: a value to store, or a localized error; `confirm` asks
    the user to confirm an unusual but valid value (a date more than a year ago) before storing."""

    value: Any = None
    error: str | None = None
    confirm: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def too_long(text: str) -> Verdict | None:
    if len(text) > MAX_MESSAGE:
        limit = format_number(MAX_MESSAGE)
        return Verdict(
            error=_("That message is too long. Please keep it under {limit} characters.").format(limit=limit)
        )
    return None


@dataclass(frozen=True)
class Media:
    """A photo, voice note or other file sent by the reporter: its kind (photo, voice, video,
    audio, video_note, document), the id to fetch it by, and Telegram's id of the file itself,
    the same whenever the same file is sent again."""

    kind: str
    file_id: str
    unique_id: str


def point(lat: float, lon: float) -> dict[str, float]:
    """A shared location as stored: rounded to about ten centimetres."""
    return {"lat": round(lat, 6), "lon": round(lon, 6)}


# --- what a type tells the walker -------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """Store `value` as the answer (to `target` when it is not the asked field: a district picked at
    the province question), together with `also` (other answers that change with it). `edit` None:
    replace the pressed message when the answer came from a button."""

    value: Any
    target: FormField | None = None
    also: Mapping[str, Any] = field(default_factory=dict)
    edit: bool | None = None


@dataclass(frozen=True)
class Check:
    """Store the verdict's value, ask to confirm it, or explain why not."""

    verdict: Verdict


@dataclass(frozen=True)
class Redraw:
    """The bookkeeping changed (a ticked option, a page): save it and show the question again."""


@dataclass(frozen=True)
class Skip:
    """Leave the question unanswered (refused when it is required)."""


@dataclass(frozen=True)
class Refuse:
    """Answer the press with an alert and change nothing."""

    alert: str


@dataclass(frozen=True)
class Stale:
    """A press that does not fit the question: explain and ask again."""


@dataclass(frozen=True)
class Reply:
    """Save the bookkeeping and send this message (place candidates, photos so far)."""

    text: str
    rows: list[list[Button]]


@dataclass(frozen=True)
class Confirm:
    """Save the bookkeeping (with its `pending` value) and ask Yes/No with this text."""

    text: str


@dataclass(frozen=True)
class Explain:
    """Save the bookkeeping and show the question again under this explanation (`alert`: on the
    pressed button too)."""

    error: str
    alert: bool = False


Move = Store | Check | Redraw | Skip | Refuse | Stale | Reply | Confirm | Explain


@dataclass
class Asking:
    """One question being answered, as a type sees it: the field, the draft's answers, its mutable
    bookkeeping (`state`), the clock and the gazetteer, and buttons bound to the draft."""

    form: Form
    field: FormField
    answers: Mapping[str, Any]
    state: dict[str, Any]
    today: date
    places: Gazetteer
    token: str

    def button(self, label: str, action: ReportAction, arg: str = "") -> Button:
        return Button(label, Press(action, self.token, self.field.name, arg))


# --- the type --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """A type's own keys from the form file; types without any use this."""


OptionsT = TypeVar("OptionsT", bound=Options)


class FieldType(Generic[OptionsT]):
    """The behaviour shared by every type; subclasses override what differs."""

    name: str  # as written in the form file
    options_type: type[OptionsT]
    constraints: ClassVar[frozenset[str]] = frozenset()  # allowed keys of `constraint = {...}`
    shows_current: ClassVar[bool] = True  # "Current answer: ..." above the question
    keepable: ClassVar[bool] = True  # a Keep button when answered
    editable: ClassVar[bool] = False  # moderators may change the answer
    # A count: a digest shows it as "unknown" when not known, never leaves it out.
    counted: ClassVar[bool] = False
    moderator_buttons: ClassVar[bool] = False  # moderators change it with buttons, not by typing
    edit_prompt: ClassVar[str] = N_("{field} is now: {value}. Type the new answer.")
    numeric_export: ClassVar[bool] = False  # typed as a number in JSON and GeoJSON exports
    buttons_only: str = N_("Please choose one of the buttons below.")  # a typed answer here
    # Its question stays live once answered: a press there changes the answer (multi-choice ticks).
    amendable: ClassVar[bool] = False

    # --- loading

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> OptionsT:
        """The type's options from a field's table; raise FormError for what does not fit."""
        return self.options_type()

    def references(self, f: FormField) -> tuple[str, ...]:
        """Other fields this one depends on (they must come earlier in the form)."""
        return ()

    def options(self, f: FormField) -> OptionsT:
        assert isinstance(f.options, self.options_type), (f.name, f.options)
        return f.options

    # --- answering

    def check_text(self, f: FormField, text: str, today: date) -> Verdict:
        """Validate a typed answer (already stripped). Buttons-only questions say so."""
        return Verdict(error=_(self.buttons_only))

    def on_text(self, q: Asking, text: str) -> Move:
        return Check(self.check_text(q.field, text.strip(), q.today))

    def on_media(self, q: Asking, media: Media) -> Move | None:
        """A photo (or another media kind) sent at this question; None: not an answer here."""
        return None

    def on_location(self, q: Asking, lat: float, lon: float) -> Move | None:
        """A shared location; None: not an answer here."""
        return None

    def buttons(self, q: Asking) -> list[list[Button]]:
        return []

    def offered(self, state: Mapping[str, Any]) -> bool:
        """The draft holds something for this question to accept (a point shared at an earlier
        question), so the walk asks it even where it would leave it to the summary."""
        return False

    def held(self, q: Asking) -> str | None:
        """What the draft holds for this question beyond a stored answer (photos received so far),
        shown with the question so a reporter back after a break sees what got through."""
        return None

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        """A button of this type; None: not one of the type's own (the walker's Yes/No/Skip)."""
        return None

    def accept(self, q: Asking, pending: Mapping[str, Any]) -> Move:
        """Yes to a value waiting for confirmation."""
        return Store(pending["value"])

    def dependent(self, form: Form, f: FormField) -> FormField | None:
        """A field whose answer belongs to this one's (a district of a province), dropped when this
        answer changes and asked next when editing."""
        return None

    # --- moderation

    def moderate(
        self, f: FormField, form: Form, answers: Mapping[str, Any], value: str, today: date
    ) -> tuple[dict[str, Any], str | None]:
        """The answers a moderator's typed value (or pressed code) changes, or an error."""
        refused = too_long(value)
        verdict = refused or self.check_text(f, value.strip(), today)
        return ({f.name: verdict.value}, None) if verdict.ok else ({}, verdict.error)

    # --- rendering

    def format(self, f: FormField, value: Any) -> str:
        """One answer in the current locale."""
        return str(value)

    def export(self, f: FormField, value: Any, gazetteer: Gazetteer) -> list[tuple[str, str, str]]:
        """`(hxl_tag, header, value)` columns: codes and ISO/English forms, never translated."""
        return [(f.hxl, f.name, "" if value is None else str(value))]

    def facts(self, f: FormField, value: Any) -> dict[str, Any]:
        """This answer's share of the report's denormalised columns (first answer wins)."""
        return {}

    def fact_names(self, f: FormField) -> frozenset[str]:
        """The report columns this field feeds: hidden with it when it is marked sensitive."""
        return frozenset()
