"""Digest and alert content: what a subscriber reads, in their language, split under Telegram's limit.

Pure rendering: reports in, plain-text message parts out. Only what a coordinator needs is shown —
reference, date, place, category, certainty, the facts its form file lists under `digest` (a
crossing's status, the doses lost; never "Killed: unknown" for a category that does not ask),
corroborations and a short description — never who reported it. Fields a moderator marked
sensitive (`Report.sensitive_fields`) are withheld.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot import labels
from bot.digest_period import PeriodReports, ReportKey, Shown
from bot.forms.engine import (
    FORMS_DIR,
    UNKNOWN,
    FormField,
    all_forms,
    category_label,
    field_title,
    format_answer,
)
from bot.i18n import _, get_locale, ngettext
from bot.localize import format_date, format_number, isolate, join_items, local_digits
from bot.places import places
from bot.redaction import WITHHELD, withheld_facts
from bot.subscriptions import categories
from domain.vocabulary import Certainty
from storage.models import Report
from storage.subscriptions import AnySubscription, DigestReport

_Shown = TypeVar("_Shown", Report, DigestReport)

MAX_MESSAGE = 4096
DESCRIPTION_CHARS = 280
COUNT_COLUMNS = ("killed", "injured")  # answers that Report also keeps as columns


@dataclass
class Wording:
    """What every digest in one language shares within a run, rendered once: thousands of
    subscribers read most of the same reports, totals lines, province names and filters."""

    categories: list[tuple[str, str]]  # (code, title), in the forms' order
    blocks: dict[int | None, str] = field(default_factory=dict)  # by report id
    headers: dict[tuple[datetime, datetime, str], str] = field(default_factory=dict)
    lines: dict[tuple[str, int, int], str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    filters: dict[tuple[tuple[str, ...], tuple[str, ...], str], str] = field(default_factory=dict)

    def line(self, name: str, now: int, before: int) -> str:
        key = (name, now, before)
        if key not in self.lines:
            self.lines[key] = _("• {name}: {count} ({change})").format(
                name=name, count=format_number(now), change=_change(now, before)
            )
        return self.lines[key]

    def province(self, pcode: str) -> str:
        if pcode not in self.provinces:
            self.provinces[pcode] = province_label(pcode)
        return self.provinces[pcode]

    def filters_of(self, sub: AnySubscription) -> str:
        key = (tuple(sub.provinces), tuple(sub.categories), str(sub.min_certainty))
        if key not in self.filters:
            self.filters[key] = filters_text(sub)
        return self.filters[key]

    def header(self, start: datetime, end: datetime, zone: str) -> str:
        key = (start, end, zone)
        if key not in self.headers:
            period = _("{start} – {end}").format(
                start=format_moment(start, zone), end=format_moment(end, zone)
            )
            self.headers[key] = _("Khabar digest, {period}").format(period=period)
        return self.headers[key]

    def blocks_of(self, listed: Iterable[tuple[Shown, bool]]) -> Iterator[str]:
        """`report_block` of each listed report, a facet's after "↳ ", each rendered once (a fan-out
        shows each of a day's reports to hundreds of subscribers), as they are asked for."""
        done = self.blocks
        for report, facet in listed:
            text = done.get(report.id)
            if text is None:
                text = done[report.id] = report_block(report)
            yield "↳ " + text if facet else text


@dataclass
class RenderCache:
    """A run's `Wording` per language, and whole digests (see bot.scheduler)."""

    languages: dict[str, Wording] = field(default_factory=dict)
    digests: dict[tuple[object, ...], list[str]] = field(default_factory=dict)

    def wording(self) -> Wording:
        """The current language's (call inside `use_locale`)."""
        language = get_locale()
        if language not in self.languages:
            self.languages[language] = Wording([(code, _(title)) for code, title in categories()])
        return self.languages[language]


def _withheld() -> str:
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
        value = _withheld()
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
        return _withheld() if "province_pcode" in hidden else _("unknown place")
    if "district_pcode" in hidden or not report.district_pcode or report.district_pcode not in gaz.districts:
        return gaz.name(report.province_pcode)
    return gaz.label(report.district_pcode)


def province_label(pcode: str) -> str:
    """A province key of the totals: its name, "withheld" or "unknown place"."""
    if pcode == WITHHELD:
        return _withheld()
    return places().name(pcode) if pcode else _("unknown place")


def short_description(report: Shown) -> str | None:
    if "description" in report.sensitive_fields:
        return _withheld()
    text = str(report.answers.get("description") or "").strip()
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1].rstrip() + "…"


def report_block(report: Shown) -> str:
    hidden = withheld_facts(report.category, report.sensitive_fields)
    when = (
        _withheld()
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


def format_moment(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return _("{date} {time}").format(
        date=format_date(local.date()), time=local_digits(f"{local.hour:02d}:{local.minute:02d}")
    )


def _change(now: int, before: int) -> str:
    diff = now - before
    if diff == 0:
        return _("no change")
    sign = "+" if diff > 0 else "−"
    return sign + format_number(abs(diff))


def _totals(
    title: str,
    current: dict[str, int],
    previous: dict[str, int],
    label: Iterable[tuple[str, str]],
    words: Wording,
) -> list[str]:
    return [title, *(words.line(name, current.get(key, 0), previous.get(key, 0)) for key, name in label)]


def filters_text(sub: AnySubscription) -> str:
    gaz = places()
    provinces = join_items(gaz.name(p) for p in sub.provinces) if sub.provinces else _("all provinces")
    cats = join_items(category_label(c) for c in sub.categories) if sub.categories else _("all categories")
    return _("Provinces: {provinces}\nCategories: {categories}\nCertainty: {certainty}").format(
        provinces=provinces, categories=cats, certainty=_(labels.MIN_CERTAINTY[sub.min_certainty])
    )


def render_digest(
    sub: AnySubscription,
    start: datetime,
    end: datetime,
    reports: Sequence[Shown],
    previous: Sequence[ReportKey],
    cache: RenderCache | None = None,
    *,
    force: bool = False,
    max_parts: int | None = None,
) -> list[str]:
    """`render_period` of `reports`, the approved reports of [start, end) in the order to list them
    (`by_importance`), and `previous`, the keys of those of the period before."""
    period = PeriodReports(reports, Counter(previous))
    return render_period(sub, start, end, period, cache, force=force, max_parts=max_parts)


def render_period(
    sub: AnySubscription,
    start: datetime,
    end: datetime,
    period: PeriodReports,
    cache: RenderCache | None = None,
    *,
    force: bool = False,
    max_parts: int | None = None,
) -> list[str]:
    """The digest's message parts (empty when there is nothing to say and the subscriber said so).

    The totals count every report `sub`'s filters let through; with `max_parts` the list stops
    where that many messages are full, and the last one says how many reports were left out.
    `force` gives a digest even when nothing is new. Call inside `use_locale(subscriber's language)`.
    """
    words = (cache or RenderCache()).wording()
    share = period.share(sub)
    if not share.count and not (sub.send_empty or force):
        return []
    header = words.header(start, end, sub.timezone)
    if not share.count:
        return [
            header + "\n\n" + _("No new approved reports in this period.") + "\n\n" + words.filters_of(sub)
        ]

    by_cat, prev_cat = share.by_category, share.before_by_category
    by_prov, prev_prov = share.by_province, share.before_by_province
    known = [(c, title) for c, title in words.categories if by_cat.get(c) or prev_cat.get(c)]
    unknown = sorted((set(by_cat) | set(prev_cat)) - {c for c, _t in words.categories})
    cat_order = known + [(c, category_label(c)) for c in unknown]
    prov_names = {p: words.province(p) for p in set(by_prov) | set(prev_prov)}
    prov_order = sorted(prov_names.items(), key=lambda item: (-by_prov.get(item[0], 0), item[1]))
    summary = [
        header,
        "",
        ngettext(
            "{count} approved report ({change})", "{count} approved reports ({change})", share.count
        ).format(count=format_number(share.count), change=_change(share.count, share.before)),
        *(
            [
                ngettext("{count} incident", "{count} incidents", share.incidents).format(
                    count=format_number(share.incidents)
                )
            ]
            if share.incidents < share.count
            else []
        ),
        "",
        *_totals(_("By category:"), by_cat, prev_cat, cat_order, words),
        "",
        *_totals(_("By province:"), by_prov, prev_prov, prov_order, words),
        "",
        words.filters_of(sub),
    ]
    # Rendered as they are packed: reports past the last part allowed are never looked at.
    blocks = words.blocks_of(share.listed)
    return split_parts("\n".join(summary), blocks, header, max_parts=max_parts, count=share.count)


def split_parts(
    first: str, blocks: Iterable[str], header: str, *, max_parts: int | None = None, count: int = 0
) -> list[str]:
    """Pack blocks into messages under the limit, breaking only between reports; each later part
    starts with the header and its number, so a reader who sees one part knows where it belongs.
    At most `max_parts` messages: the last then ends with how many of the `count` blocks (reports)
    it left out."""
    parts: list[str] = []
    # The current part as its pieces and their length: joined once when full, not copied per block.
    current, size = [first[:MAX_MESSAGE]], len(first[:MAX_MESSAGE])
    longest = MAX_MESSAGE - len(header) - 40
    for n, block in enumerate(blocks):
        block = block[:longest]
        if size + 2 + len(block) > MAX_MESSAGE:
            if max_parts is not None and len(parts) + 1 >= max_parts:
                return [*parts, _ending_with_rest(current, size, count - n)]
            parts.append("\n\n".join(current))
            head = _("{header} (continued, part {part})").format(
                header=header, part=format_number(len(parts) + 1)
            )
            current, size = [head], len(head)
        current.append(block)
        size += 2 + len(block)
    parts.append("\n\n".join(current))
    return parts


def _ending_with_rest(current: list[str], size: int, left: int) -> str:
    """The last part allowed, closed by the count of the `left` reports it has no room for (blocks
    dropped from its end until that line fits)."""
    while True:
        line = ngettext(
            "{count} more report is not listed here. Find it with /search, or narrow this "
            "subscription in /subscriptions.",
            "{count} more reports are not listed here. Find them with /search, or narrow this "
            "subscription in /subscriptions.",
            left,
        ).format(count=format_number(left))
        if size + 2 + len(line) <= MAX_MESSAGE or len(current) == 1:
            return "\n\n".join(current)[: MAX_MESSAGE - len(line) - 2] + "\n\n" + line
        size -= 2 + len(current.pop())
        left += 1


def importance(report: Shown) -> tuple[bool, int, int, int]:
    """Where a report is listed, lowest first: urgent ones (a moderator's call that it cannot wait),
    then by people killed, then injured (harm to people is what coordinators act on first), then the
    more certain; equal ones keep their order (approval time). A count the moderator withheld, or
    not known, counts as none, so the order gives nothing away."""

    def harmed(name: str) -> int:
        value = None if name in report.sensitive_fields else getattr(report, name)
        return value if isinstance(value, int) else 0

    return not report.urgent, -harmed("killed"), -harmed("injured"), Certainty.rank_of(report.certainty)


def by_importance(reports: Iterable[_Shown]) -> list[_Shown]:
    """`reports` in the order a digest lists them (`importance`), ties in their given order."""
    return sorted(reports, key=importance)


def render_alert(report: Shown) -> str:
    """An urgent report, as soon as it is approved. Call inside `use_locale(subscriber's language)`."""
    return _("Urgent report approved") + "\n\n" + report_block(report)
