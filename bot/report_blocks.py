"""One report as a coordinator reads it in a digest, an alert or /search, in the current language.

Only what a coordinator needs is shown: reference, date, place, category, certainty, the facts its
form file lists under `digest` (a crossing's status, the doses lost; never "Killed: unknown" for a
category that does not ask), corroborations and a short description; never who reported it. Fields
a moderator marked sensitive (`Report.sensitive_fields`) are withheld.
"""

from __future__ import annotations

import tomllib
from functools import cache

from bot import labels
from bot.digest_period import Shown
from bot.forms.engine import (
    FORMS_DIR,
    UNKNOWN,
    FormField,
    all_forms,
    category_label,
    field_title,
    format_answer,
)
from bot.i18n import _
from bot.localize import format_date, format_number, isolate
from bot.places import places
from bot.redaction import withheld_facts
from domain.vocabulary import Certainty

DESCRIPTION_CHARS = 280
COUNT_COLUMNS = ("killed", "injured")  # answers that Report also keeps as columns


def withheld() -> str:
    return _("(withheld)")


def _count(value: int | None) -> str:
    return _("unknown") if value is None else format_number(value)


@cache
def digest_fields(category: str) -> tuple[FormField, ...]:
    """The answers a digest entry shows for `category`: the `digest` list of its form file, in
    that order (KeyError for a name that is not a field of the form)."""
    form = all_forms().get(category)
    if form is None:
        return ()
    data = tomllib.loads((FORMS_DIR / f"{category}.toml").read_text(encoding="utf-8"))
    return tuple(form.field(str(name)) for name in data.get("digest", ()))


def _fact(report: Shown, f: FormField) -> str | None:
    """One fact as "Label: value": a count is a number or unknown (asked, not known), never blank;
    another answer is left out when the reporter skipped it."""
    if f.name in report.sensitive_fields:
        value = withheld()
    else:
        # Killed and injured have typed columns, kept in step with moderators' edits.
        raw = getattr(report, f.name) if f.name in COUNT_COLUMNS else report.answers.get(f.name)
        if f.kind.counted:
            value = _count(None if raw == UNKNOWN else raw)
        elif raw in (None, "", []):
            return None
        else:
            value = format_answer(f, raw)
    return _("{label}: {value}").format(label=field_title(f), value=value)


def place_text(report: Shown) -> str:
    hidden = withheld_facts(report.category, report.sensitive_fields)
    gaz = places()
    if "province_pcode" in hidden or report.province_pcode is None:
        return withheld() if "province_pcode" in hidden else _("unknown place")
    if "district_pcode" in hidden or not report.district_pcode or report.district_pcode not in gaz.districts:
        return gaz.name(report.province_pcode)
    return gaz.label(report.district_pcode)


def short_description(report: Shown) -> str | None:
    if "description" in report.sensitive_fields:
        return withheld()
    text = str(report.answers.get("description") or "").strip()
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1].rstrip() + "…"


def report_block(report: Shown) -> str:
    hidden = withheld_facts(report.category, report.sensitive_fields)
    when = (
        withheld()
        if "occurred_on" in hidden
        else (format_date(report.occurred_on) if report.occurred_on else _("date unknown"))
    )
    # A report approved without a certainty counts as the least certain.
    certainty = _(
        labels.CERTAINTY.get(report.certainty or Certainty.POSSIBLE, labels.CERTAINTY[Certainty.POSSIBLE])
    )
    lines = [
        _("{ref} · {date} · {place}").format(
            ref=isolate(report.reference), date=when, place=place_text(report)
        ),
        _("{category} · {certainty}").format(category=category_label(report.category), certainty=certainty),
        " · ".join(
            [
                *(fact for f in digest_fields(report.category) if (fact := _fact(report, f))),
                _("Corroborations: {corroborations}").format(
                    corroborations=format_number(report.corroborations)
                ),
            ]
        ),
    ]
    description = short_description(report)
    if description:
        lines.append(description)
    return "\n".join(lines)
