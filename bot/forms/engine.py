"""The forms engine: loads the category forms (TOML), walks them, validates answers, renders them.

No Telegram here. Public API used by other features:

- `categories()`, `category_label(code)`, `get_form(code)`, `CATEGORY_CODES`: the report categories.
- `summary_lines(category, answers)`: the answers as "Label: value" lines in the current locale.
- `export_columns(category, answers)`: `(hxl_tag, header, value)` triples, stable per category.
- `report_facts(category, answers)`: the denormalised columns of a report (date, place, casualties).
- Place names: `bot.places.place_label(pcode)` ("District (Province)") and `province_name(pcode)`.

Answers are a JSON dict keyed by field name. Values by type: choice → code; multi_choice → list of
codes; integer → int, or "unknown" where the field allows it (distinct from 0); date → ISO
"YYYY-MM-DD"; text → the text as written; location → {"lat": float, "lon": float}; photo → list of
Telegram file ids; admin_area → P-code, or "other" for a district not listed (the free-text place is
then the `place_name` answer).

Every form is loaded and checked at import: a bad file stops start-up with a message naming it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.i18n import _, is_rtl, ngettext
from bot.localize import format_date, format_number, isolate, parse_date, parse_int
from bot.places import OTHER, place_label, places

FORMS_DIR = Path(__file__).parent
FIELD_TYPES = frozenset(
    {"choice", "multi_choice", "integer", "date", "text", "location", "photo", "admin_area"}
)
UNKNOWN = "unknown"
MAX_MESSAGE = 5000  # longer messages are refused whatever the question
DEFAULT_MAX_LENGTH = 2000
DEFAULT_MAX_PHOTOS = 5
CONFIRM_OLDER_THAN = timedelta(days=365)


class FormError(Exception):
    """A form file that does not follow the format; raised at import so a bad form never ships."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: str  # msgid
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. a crossing's province/district


@dataclass(frozen=True)
class Condition:
    """True when answer `field` has a value (and, with `any_of`, one of those codes)."""

    field: str
    any_of: tuple[str, ...] = ()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.field)
        if value is None or value in ("", [], UNKNOWN):
            return False
        if not self.any_of:
            return True
        values = value if isinstance(value, list) else [value]
        return any(v in self.any_of for v in values)


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    label: str  # msgid: the question
    hxl: str
    summary_label: str = ""  # msgid: the short name in summaries; the question when empty
    hint: str = ""
    required: bool = False
    required_if: Condition | None = None
    relevant: tuple[Condition, ...] = ()
    choices: tuple[Choice, ...] = ()
    unknown: bool = False  # integer: an "Unknown" answer, distinct from 0
    level: str = ""  # admin_area: "province" or "district"
    parent: str = ""  # admin_area district: the field holding its province
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    not_future: bool = False

    def choice(self, code: object) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    @property
    def max_photos(self) -> int:
        return self.maximum or DEFAULT_MAX_PHOTOS

    def is_required(self, answers: Mapping[str, Any]) -> bool:
        return self.required or (self.required_if is not None and self.required_if.holds(answers))


@dataclass(frozen=True)
class Form:
    code: str
    title: str  # msgid
    description: str  # msgid
    order: int
    fields: tuple[FormField, ...]

    def field(self, name: str) -> FormField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has(self, name: str | None) -> bool:
        return any(f.name == name for f in self.fields)


# --- loading --------------------------------------------------------------------------------------


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not isinstance(raw.get("field"), str):
        raise FormError(f'{where}: a condition needs field = "<name>"')
    any_of = raw.get("any_of", [])
    if not isinstance(any_of, list) or not all(isinstance(v, str) for v in any_of):
        raise FormError(f"{where}: any_of must be a list of codes")
    return Condition(raw["field"], tuple(any_of))


def _field(raw: dict[str, Any], where: str, extra_relevant: tuple[Condition, ...]) -> FormField:
    name, kind = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or not name.isidentifier():
        raise FormError(f"{where}: field without a valid name")
    where = f"{where} field {name!r}"
    if kind not in FIELD_TYPES:
        raise FormError(f"{where}: unknown type {kind!r}")
    for key in ("label", "hxl"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise FormError(f"{where}: {key} is missing")
    if not raw["hxl"].startswith("#"):
        raise FormError(f"{where}: hxl tag must start with #")
    choices: list[Choice] = []
    for item in raw.get("choices", []):
        code, label = item.get("code"), item.get("label")
        if not isinstance(code, str) or not isinstance(label, str) or not code or not label:
            raise FormError(f"{where}: every choice needs a code and a label")
        choices.append(
            Choice(code, label, {k: str(v) for k, v in item.items() if k not in ("code", "label")})
        )
    if kind in ("choice", "multi_choice") and not choices:
        raise FormError(f"{where}: a {kind} needs choices")
    if len({c.code for c in choices}) != len(choices):
        raise FormError(f"{where}: duplicate choice codes")
    constraint = raw.get("constraint", {})
    unknown_keys = set(constraint) - {"min", "max", "max_length", "not_future"}
    if unknown_keys:
        raise FormError(f"{where}: unknown constraint {sorted(unknown_keys)}")
    level = raw.get("level", "")
    if kind == "admin_area" and level not in ("province", "district"):
        raise FormError(f"{where}: admin_area needs level = province or district")
    if level == "district" and not raw.get("parent"):
        raise FormError(f'{where}: a district needs parent = "<province field>"')
    relevant = extra_relevant
    if "relevant" in raw:
        relevant = (*relevant, _condition(raw["relevant"], where))
    return FormField(
        name=name,
        type=kind,
        label=raw["label"],
        hxl=raw["hxl"],
        summary_label=raw.get("summary_label", ""),
        hint=raw.get("hint", ""),
        required=bool(raw.get("required", False)),
        required_if=_condition(raw["required_if"], where) if "required_if" in raw else None,
        relevant=relevant,
        choices=tuple(choices),
        unknown=bool(raw.get("unknown", False)),
        level=level,
        parent=raw.get("parent", ""),
        minimum=constraint.get("min"),
        maximum=constraint.get("max"),
        max_length=int(constraint.get("max_length", DEFAULT_MAX_LENGTH)),
        not_future=bool(constraint.get("not_future", False)),
    )


def _load(path: Path, groups: Mapping[str, Any]) -> Form:
    where = path.name
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    code = data.get("code")
    if code != path.stem:
        raise FormError(f"{where}: code must equal the file name ({path.stem})")
    fields: list[FormField] = []
    for entry in data.get("fields", []):
        extra = (_condition(entry["relevant"], where),) if "include" in entry and "relevant" in entry else ()
        if "include" in entry:
            group = groups.get(entry["include"])
            if group is None:
                raise FormError(f"{where}: unknown group {entry['include']!r}")
            fields += [_field(raw, f"{where} ({entry['include']})", extra) for raw in group["fields"]]
        else:
            fields.append(_field(entry, where, ()))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise FormError(f"{where}: duplicate field names")
    for f in fields:
        refs = [c.field for c in f.relevant] + ([f.required_if.field] if f.required_if else [])
        refs += [f.parent] if f.parent else []
        for ref in refs:
            if ref not in names or names.index(ref) >= names.index(f.name):
                raise FormError(f"{where}: {f.name} refers to {ref!r}, which must be an earlier field")
    for key in ("title", "description"):
        if not isinstance(data.get(key), str):
            raise FormError(f"{where}: {key} is missing")
    return Form(code, data["title"], data["description"], int(data.get("order", 99)), tuple(fields))


def load_forms(folder: Path = FORMS_DIR) -> dict[str, Form]:
    common = tomllib.loads((folder / "_common.toml").read_text(encoding="utf-8")).get("groups", {})
    forms = [_load(path, common) for path in sorted(folder.glob("[!_]*.toml"))]
    return {f.code: f for f in sorted(forms, key=lambda f: (f.order, f.code))}


FORMS: dict[str, Form] = load_forms()
CATEGORY_CODES: tuple[str, ...] = tuple(FORMS)


def get_form(code: str) -> Form:
    """The form of a category; KeyError for an unknown code (never trust a stored or sent code)."""
    return FORMS[code]


def categories() -> list[Form]:
    """All categories in menu order; show `_(form.title)`."""
    return list(FORMS.values())


def category_label(code: str) -> str:
    """The category's title in the current locale (the code itself if unknown)."""
    form = FORMS.get(code)
    return _(form.title) if form else code


# --- walking --------------------------------------------------------------------------------------


def is_relevant(f: FormField, answers: Mapping[str, Any]) -> bool:
    return all(c.holds(answers) for c in f.relevant)


def relevant_fields(form: Form, answers: Mapping[str, Any]) -> list[FormField]:
    return [f for f in form.fields if is_relevant(f, answers)]


def next_field(form: Form, answers: Mapping[str, Any], after: str | None = None) -> FormField | None:
    """The first relevant field after `after` (from the start when None); None at the end."""
    names = [f.name for f in form.fields]
    start = names.index(after) + 1 if after in names else 0
    return next((f for f in form.fields[start:] if is_relevant(f, answers)), None)


def previous_field(form: Form, answers: Mapping[str, Any], before: str | None) -> FormField | None:
    """The relevant field asked before `before` (the last one when `before` is None or unknown)."""
    names = [f.name for f in form.fields]
    end = names.index(before) if before in names else len(names)
    return next((f for f in reversed(form.fields[:end]) if is_relevant(f, answers)), None)


def first_missing(form: Form, answers: Mapping[str, Any]) -> FormField | None:
    """The first relevant required field without an answer (after an edit made a new one relevant)."""
    return next(
        (f for f in relevant_fields(form, answers) if f.is_required(answers) and f.name not in answers), None
    )


def prune(form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop answers of fields that are no longer relevant (an edit changed what they depend on)."""
    kept = {k: v for k, v in answers.items() if form.has(k)}
    changed = True
    while changed:
        changed = False
        for f in form.fields:
            if f.name in kept and not is_relevant(f, kept):
                del kept[f.name]
                changed = True
    return kept


# --- validation -----------------------------------------------------------------------------------


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


def check_text(f: FormField, text: str, today: date) -> Verdict:
    """Validate a typed answer for `f`. Buttons-only questions get a hint to use the buttons."""
    refused = too_long(text)
    if refused:
        return refused
    text = text.strip()
    if f.type == "integer":
        return check_integer(f, text)
    if f.type == "date":
        return check_date(f, text, today)
    if f.type == "text":
        if not text:
            return Verdict(error=_("Please type an answer."))
        if len(text) > f.max_length:
            return Verdict(
                error=_("Please keep this answer under {limit} characters.").format(
                    limit=format_number(f.max_length)
                )
            )
        return Verdict(value=text)
    if f.type == "location":
        return Verdict(error=_("Please share a location (📎, then “Location”), or send /skip."))
    if f.type == "photo":
        return Verdict(error=_("Please send a photo, or press Done."))
    return Verdict(error=_("Please choose one of the buttons below."))


def check_integer(f: FormField, text: str) -> Verdict:
    number = parse_int(text)
    if number is None:
        return Verdict(
            error=_("Please type a number, for example {example}.").format(example=format_number(3))
        )
    low = f.minimum if f.minimum is not None else 0
    high = f.maximum
    if number < low or (high is not None and number > high):
        if high is None:
            return Verdict(error=_("Please type a number of at least {min}.").format(min=format_number(low)))
        return Verdict(
            error=_("Please type a number between {min} and {max}.").format(
                min=format_number(low), max=format_number(high)
            )
        )
    return Verdict(value=number)


def check_date(f: FormField, text: str, today: date) -> Verdict:
    day = parse_date(text)
    if day is None:
        return Verdict(
            error=_("I couldn't read that date. Type it like {example} or press a button.").format(
                example=isolate("2026-11-24" if not is_rtl() else "1405/09/03")
            )
        )
    return check_day(f, day, today)


def check_day(f: FormField, day: date, today: date) -> Verdict:
    if f.not_future and day > today:
        return Verdict(error=_("That date is in the future. Please give the date it happened."))
    if today - day > CONFIRM_OLDER_THAN:
        return Verdict(
            value=day.isoformat(),
            confirm=_("{date} is more than a year ago. Is that right?").format(date=format_date(day)),
        )
    return Verdict(value=day.isoformat())


def check_choice(f: FormField, code: str) -> Verdict:
    if f.choice(code) is None:
        return Verdict(error=_("This button is no longer valid. Please choose again."))
    return Verdict(value=code)


# --- rendering ------------------------------------------------------------------------------------


def _join(items: list[str]) -> str:
    return ("، " if is_rtl() else ", ").join(items)


def format_answer(f: FormField, value: Any, answers: Mapping[str, Any] | None = None) -> str:
    """One answer in the current locale: choices translated, numbers and dates localized, places
    with their province, free text as written."""
    if value is None:
        return ""
    if f.type == "choice":
        c = f.choice(value)
        return _(c.label) if c else str(value)
    if f.type == "multi_choice":
        return _join([_(c.label) if (c := f.choice(v)) else str(v) for v in value])
    if f.type == "integer":
        return _("Unknown") if value == UNKNOWN else format_number(int(value))
    if f.type == "date":
        return format_date(date.fromisoformat(value))
    if f.type == "location":
        return isolate(f"{float(value['lat']):.5f}, {float(value['lon']):.5f}")
    if f.type == "photo":
        n = len(value)
        return ngettext("{n} photo", "{n} photos", n).format(n=format_number(n))
    if f.type == "admin_area":
        return _("Other / not listed") if value == OTHER else place_label(str(value))
    return str(value)


def field_title(f: FormField) -> str:
    return _(f.summary_label or f.label)


def summary_lines(category: str, answers: Mapping[str, Any]) -> list[str]:
    """The answered, relevant fields as "Label: value" lines in the current locale, form order.

    Safe for moderation cards and digests: use `with use_locale(lang):` for another person's language.
    Unknown categories or fields are skipped rather than raising.
    """
    form = FORMS.get(category)
    if form is None:
        return []
    lines = []
    for f in relevant_fields(form, answers):
        if f.name in answers and answers[f.name] not in (None, "", []):
            lines.append(
                _("{label}: {value}").format(label=field_title(f), value=format_answer(f, answers[f.name]))
            )
    return lines


def export_columns(category: str, answers: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """`(hxl_tag, header, value)` for every field of the category, in form order, answered or not,
    so every report of a category has the same columns. Values are codes and ISO/English forms,
    never translated: choices → code; multi_choice → codes joined by ","; integer → digits or
    "unknown"; date → YYYY-MM-DD; location → two columns (#geo+lat, #geo+lon); admin_area → P-code
    plus an English name column; photo → the number of photos."""
    form = get_form(category)
    columns: list[tuple[str, str, str]] = []
    gaz = places()
    for f in form.fields:
        value = answers.get(f.name)
        if f.type == "location":
            lat = f"{float(value['lat']):.5f}" if isinstance(value, dict) else ""
            lon = f"{float(value['lon']):.5f}" if isinstance(value, dict) else ""
            columns += [(f"{f.hxl}+lat", f"{f.name}_lat", lat), (f"{f.hxl}+lon", f"{f.name}_lon", lon)]
        elif f.type == "admin_area":
            code = "" if value in (None, OTHER) else str(value)
            name = gaz.name(code, "en") if code else ("Other" if value == OTHER else "")
            columns += [(f.hxl, f.name, code), (f.hxl.replace("+code", "") + "+name", f"{f.name}_name", name)]
        elif value is None:
            columns.append((f.hxl, f.name, ""))
        elif f.type == "multi_choice":
            columns.append((f.hxl, f.name, ",".join(value)))
        elif f.type == "photo":
            columns.append((f.hxl, f.name, str(len(value))))
        else:
            columns.append((f.hxl, f.name, str(value)))
    return columns


@dataclass(frozen=True)
class ReportFacts:
    """The report columns denormalised from the answers, for filters and indexes."""

    occurred_on: date | None
    province_pcode: str | None
    district_pcode: str | None
    lat: float | None
    lon: float | None
    killed: int | None  # None: unknown or not asked
    injured: int | None

    def columns(self) -> dict[str, Any]:
        """As the report's columns of the same names: one mapping for submission and for edits."""
        return asdict(self)


def report_facts(category: str, answers: Mapping[str, Any]) -> ReportFacts:
    form = get_form(category)
    occurred = province = district = None
    lat = lon = None
    for f in relevant_fields(form, answers):
        value = answers.get(f.name)
        if value is None:
            continue
        if f.type == "date" and occurred is None:
            occurred = date.fromisoformat(value)
        elif f.type == "admin_area" and f.level == "province" and province is None:
            province = value
        elif f.type == "admin_area" and f.level == "district" and district is None:
            district = None if value == OTHER else value
        elif f.type == "location" and lat is None:
            lat, lon = float(value["lat"]), float(value["lon"])
        elif f.type == "choice" and (c := f.choice(value)) and "province" in c.extra:
            # A listed border crossing carries its own place.
            province, district = c.extra["province"], c.extra.get("district")

    def count(name: str) -> int | None:
        value = answers.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return ReportFacts(occurred, province, district, lat, lon, count("killed"), count("injured"))
