"""The forms engine: loads the category forms (TOML), walks them, validates answers, renders them.

No Telegram here. Public API used by other features:

- `categories()`, `category_label(code)`, `get_form(code)`, `category_codes()`: the report categories.
- `load()`: read and check the forms, at start-up (`Services.start`); `all_forms()` after that.
- `summary_lines(category, answers)`: the answers as "Label: value" lines in the current locale.
- `export_columns(category, answers)`: `(hxl_tag, header, value)` triples, stable per category.
- `report_facts(category, answers)`: the denormalised columns of a report (date, place, casualties).
- Place names: `bot.places.place_label(pcode)` ("District (Province)") and `province_name(pcode)`.

Answers are a JSON dict keyed by field name. Values by type: choice → code; multi_choice → list of
codes; integer → int, or "unknown" where the field allows it (distinct from 0); date → ISO
"YYYY-MM-DD"; text → the text as written; location → {"lat": float, "lon": float}; photo → list of
Telegram file ids; admin_area → P-code, or "other" for a district not listed (the free-text place is
then the `place_name` answer).

What differs per type (its keys, checks, buttons, rendering, export columns and report facts)
lives in `bot.forms.types`; this module only dispatches to `field.kind`.

Every form is loaded and checked at import: a bad file stops start-up with a message naming it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.forms.model import UNKNOWN, Choice, Condition, Form, FormError, FormField
from bot.forms.types import FIELD_TYPES
from bot.forms.types.base import Verdict, too_long
from bot.i18n import _
from bot.places import places

FORMS_DIR = Path(__file__).parent

__all__ = [
    "UNKNOWN",
    "Choice",
    "Condition",
    "Form",
    "FormError",
    "FormField",
    "Verdict",
    "too_long",
]


# --- loading --------------------------------------------------------------------------------------


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not isinstance(raw.get("field"), str):
        raise FormError(f'{where}: a condition needs field = "<name>"')
    any_of = raw.get("any_of", [])
    if not isinstance(any_of, list) or not all(isinstance(v, str) for v in any_of):
        raise FormError(f"{where}: any_of must be a list of codes")
    return Condition(raw["field"], tuple(any_of))


def _field(raw: dict[str, Any], where: str, extra_relevant: tuple[Condition, ...]) -> FormField:
    name, kind = raw.get("name"), FIELD_TYPES.get(str(raw.get("type")))
    if not isinstance(name, str) or not name.isidentifier():
        raise FormError(f"{where}: field without a valid name")
    where = f"{where} field {name!r}"
    if kind is None:
        raise FormError(f"{where}: unknown type {raw.get('type')!r}")
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
    if len({c.code for c in choices}) != len(choices):
        raise FormError(f"{where}: duplicate choice codes")
    constraint = raw.get("constraint", {})
    unknown_keys = set(constraint) - kind.constraints
    if unknown_keys:
        raise FormError(f"{where}: unknown constraint {sorted(unknown_keys)} for a {kind.name}")
    relevant = extra_relevant
    if "relevant" in raw:
        relevant = (*relevant, _condition(raw["relevant"], where))
    return FormField(
        name=name,
        kind=kind,
        options=kind.parse(raw, constraint, where, bool(choices)),
        label=raw["label"],
        hxl=raw["hxl"],
        summary_label=raw.get("summary_label", ""),
        hint=raw.get("hint", ""),
        required=bool(raw.get("required", False)),
        required_if=_condition(raw["required_if"], where) if "required_if" in raw else None,
        relevant=relevant,
        choices=tuple(choices),
        ask=bool(raw.get("ask", True)),
        default=str(raw["default"]) if "default" in raw else None,
    )


def _load(path: Path, groups: Mapping[str, Any]) -> Form:
    text = path.read_text(encoding="utf-8")
    form = parse_form(text, groups, where=path.name)
    if form.code != path.stem:
        raise FormError(f"{path.name}: code must equal the file name ({path.stem})")
    return form


def parse_form(text: str, groups: Mapping[str, Any] | None = None, *, where: str = "form") -> Form:
    """One form from its TOML text (`groups`: the shared groups it may include), checked as at
    start-up; the unit tests build their forms with it."""
    groups = groups or {}
    data = tomllib.loads(text)
    code = data.get("code")
    if not isinstance(code, str) or not code:
        raise FormError(f"{where}: code is missing")
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
        refs += f.kind.references(f)
        for ref in refs:
            if ref not in names or names.index(ref) >= names.index(f.name):
                raise FormError(f"{where}: {f.name} refers to {ref!r}, which must be an earlier field")
    for key in ("title", "description"):
        if not isinstance(data.get(key), str):
            raise FormError(f"{where}: {key} is missing")
    listed = bool(data.get("listed", True))
    return Form(code, data["title"], data["description"], int(data.get("order", 99)), tuple(fields), listed)


def load_forms(folder: Path = FORMS_DIR) -> dict[str, Form]:
    common = tomllib.loads((folder / "_common.toml").read_text(encoding="utf-8")).get("groups", {})
    forms = [_load(path, common) for path in sorted(folder.glob("[!_]*.toml"))]
    return {f.code: f for f in sorted(forms, key=lambda f: (f.order, f.code))}


_loaded: dict[str, Form] | None = None
_loaded_files: tuple[tuple[str, int, int], ...] = ()


def _files(folder: Path) -> tuple[tuple[str, int, int], ...]:
    stats = ((p, p.stat()) for p in sorted(folder.glob("*.toml")))
    return tuple((str(p), stat.st_mtime_ns, stat.st_size) for p, stat in stats)


def load(folder: Path = FORMS_DIR) -> dict[str, Form]:
    """Read and check every form. The application calls this at start-up (`Services.start`), so a
    broken form stops the bot before its first update; importing this module reads nothing. Files
    unchanged since the last load in this process are not parsed again (the sandbox and the tests
    start many applications in one process; parsing costs ~20 ms)."""
    global _loaded, _loaded_files
    files = _files(folder)
    if _loaded is None or files != _loaded_files:
        _loaded, _loaded_files = load_forms(folder), files
    return _loaded


def all_forms() -> dict[str, Form]:
    """Every form by code (the categories and the quick report), in menu order: the set loaded at
    start-up, or (scripts and tests that
    start no services, like `places()` for the gazetteer) read from the packaged files now."""
    return _loaded if _loaded is not None else load()


def category_codes() -> tuple[str, ...]:
    """The report categories (the quick report's form is not one: a moderator gives it one of these)."""
    return tuple(form.code for form in categories())


def get_form(code: str) -> Form:
    """The form of a category; KeyError for an unknown code (never trust a stored or sent code)."""
    return all_forms()[code]


def categories() -> list[Form]:
    """The categories a reporter or a subscriber chooses from, in menu order; show `_(form.title)`."""
    return [form for form in all_forms().values() if form.listed]


def category_label(code: str) -> str:
    """The category's title in the current locale (the code itself if unknown)."""
    form = all_forms().get(code)
    return _(form.title) if form else code


# --- walking --------------------------------------------------------------------------------------


def is_relevant(f: FormField, answers: Mapping[str, Any]) -> bool:
    return all(c.holds(answers) for c in f.relevant)


def relevant_fields(form: Form, answers: Mapping[str, Any]) -> list[FormField]:
    return [f for f in form.fields if is_relevant(f, answers)]


def is_walked(f: FormField, answers: Mapping[str, Any]) -> bool:
    """Asked on the way through the form: relevant, and not a detail left to the summary."""
    return is_relevant(f, answers) and f.walked(answers)


def next_field(form: Form, answers: Mapping[str, Any], after: str | None = None) -> FormField | None:
    """The first field to ask after `after` (from the start when None); None at the end."""
    names = [f.name for f in form.fields]
    start = names.index(after) + 1 if after in names else 0
    return next((f for f in form.fields[start:] if is_walked(f, answers)), None)


def previous_field(form: Form, answers: Mapping[str, Any], before: str | None) -> FormField | None:
    """The field asked before `before` (the last one when `before` is None or unknown)."""
    names = [f.name for f in form.fields]
    end = names.index(before) if before in names else len(names)
    return next((f for f in reversed(form.fields[:end]) if is_walked(f, answers)), None)


def next_to_ask(form: Form, answers: dict[str, Any], after: str | None) -> FormField | None:
    """`next_field`, storing in `answers` the default of every unanswered field it passes."""
    nxt = next_field(form, answers, after)
    while nxt is not None and nxt.default is not None and nxt.name not in answers:
        answers[nxt.name] = nxt.default
        nxt = next_field(form, answers, nxt.name)
    return nxt


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


# --- validation and rendering ---------------------------------------------------------------------


def check_text(f: FormField, text: str, today: date) -> Verdict:
    """Validate a typed answer for `f`. Buttons-only questions get a hint to use the buttons."""
    return too_long(text) or f.kind.check_text(f, text.strip(), today)


def format_answer(f: FormField, value: Any, answers: Mapping[str, Any] | None = None) -> str:
    """One answer in the current locale: choices translated, numbers and dates localized, places
    with their province, free text as written."""
    return "" if value is None else f.kind.format(f, value)


def field_title(f: FormField) -> str:
    return _(f.summary_label or f.label)


def summary_lines(category: str, answers: Mapping[str, Any]) -> list[str]:
    """The answered, relevant fields as "Label: value" lines in the current locale, form order.

    Safe for moderation cards and digests: use `with use_locale(lang):` for another person's language.
    Unknown categories or fields are skipped rather than raising.
    """
    form = all_forms().get(category)
    return form_summary(form, answers) if form is not None else []


def form_summary(form: Form, answers: Mapping[str, Any]) -> list[str]:
    """`summary_lines` for a form in hand."""
    lines = []
    for f in relevant_fields(form, answers):
        if f.name in answers and answers[f.name] not in (None, "", []):
            lines.append(
                _("{label}: {value}").format(label=field_title(f), value=format_answer(f, answers[f.name]))
            )
    return lines


def export_columns(
    category: str, answers: Mapping[str, Any], *, answered_only: bool = False
) -> list[tuple[str, str, str]]:
    """`(hxl_tag, header, value)` for every field of the category, in form order, answered or not,
    so every report of a category has the same columns. Values are codes and ISO/English forms,
    never translated: choices → code; multi_choice → codes joined by ","; integer → digits or
    "unknown"; date → YYYY-MM-DD; location → two columns (#geo+lat, #geo+lon); admin_area → P-code
    plus an English name column; photo → the number of photos. `answered_only`: the answered
    fields' columns alone (an export's row, which fills the others empty itself)."""
    gazetteer = places()
    return [
        column
        for f in get_form(category).fields
        if not answered_only or answers.get(f.name) is not None
        for column in f.kind.export(f, answers.get(f.name), gazetteer)
    ]


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
    return form_facts(get_form(category), answers)


def form_facts(form: Form, answers: Mapping[str, Any]) -> ReportFacts:
    """`report_facts` for a form in hand."""
    facts: dict[str, Any] = {}
    for f in relevant_fields(form, answers):
        value = answers.get(f.name)
        if value is not None:
            for name, fact in f.kind.facts(f, value).items():
                if facts.get(name) is None:  # the first answer wins
                    facts[name] = fact

    def count(name: str) -> int | None:
        value = answers.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return ReportFacts(
        facts.get("occurred_on"),
        facts.get("province_pcode"),
        facts.get("district_pcode"),
        facts.get("lat"),
        facts.get("lon"),
        count("killed"),
        count("injured"),
    )
