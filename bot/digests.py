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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from bot import labels
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
from bot.redaction import WITHHELD, shown_province, withheld_facts
from bot.subscriptions import categories, matcher
from domain.vocabulary import Certainty
from storage.models import Report
from storage.subscriptions import AnySubscription, DigestReport

Shown = Report | DigestReport  # a report as digests show it: an ORM row, or the digest's plain columns

MAX_MESSAGE = 4096
DESCRIPTION_CHARS = 280
ReportKey = tuple[str, str | None, str | None]  # category, province, certainty
COUNT_COLUMNS = ("killed", "injured")  # answers that Report also keeps as columns


@dataclass
class RenderCache:
    """Report blocks already rendered, per language: thousands of subscribers share most reports."""

    blocks: dict[str, dict[int | None, str]] = field(default_factory=dict)  # by language, then report id

    headers: dict[tuple[str, datetime, datetime, str], str] = field(default_factory=dict)
    # Totals lines, province names and filter summaries repeat across subscribers as well.
    lines: dict[tuple[str, str, int, int], str] = field(default_factory=dict)
    provinces: dict[tuple[str, str], str] = field(default_factory=dict)
    filters: dict[tuple[str, tuple[str, ...], tuple[str, ...], str], str] = field(default_factory=dict)
    digests: dict[tuple[object, ...], list[str]] = field(default_factory=dict)  # see bot.scheduler

    def line(self, name: str, now: int, before: int) -> str:
        key = (get_locale(), name, now, before)
        if key not in self.lines:
            self.lines[key] = _("• {name}: {count} ({change})").format(
                name=name, count=format_number(now), change=_change(now, before)
            )
        return self.lines[key]

    def province(self, pcode: str) -> str:
        key = (get_locale(), pcode)
        if key not in self.provinces:
            self.provinces[key] = province_label(pcode)
        return self.provinces[key]

    def filters_of(self, sub: AnySubscription) -> str:
        key = (get_locale(), tuple(sub.provinces), tuple(sub.categories), str(sub.min_certainty))
        if key not in self.filters:
            self.filters[key] = filters_text(sub)
        return self.filters[key]

    def header(self, start: datetime, end: datetime, zone: str) -> str:
        key = (get_locale(), start, end, zone)
        if key not in self.headers:
            period = _("{start} – {end}").format(
                start=format_moment(start, zone), end=format_moment(end, zone)
            )
            self.headers[key] = _("Khabar digest, {period}").format(period=period)
        return self.headers[key]

    def blocks_of(self, reports: Iterable[Shown]) -> dict[int | None, str]:
        """The blocks of the current language, `reports`' among them: looked up once per digest, not
        per report (a fan-out shows each of a day's reports to hundreds of subscribers)."""
        done = self.blocks.setdefault(get_locale(), {})
        for report in reports:
            if report.id not in done:
                done[report.id] = report_block(report)
        return done


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


def report_key(report: Shown) -> ReportKey:
    """(category, province, certainty) as readers may use them: a withheld province is `WITHHELD`."""
    province = shown_province(report.category, report.sensitive_fields, report.province_pcode)
    return report.category, province, report.certainty


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
    current: Counter[str],
    previous: Counter[str],
    label: Iterable[tuple[str, str]],
    cache: RenderCache,
) -> list[str]:
    return [title, *(cache.line(name, current[key], previous[key]) for key, name in label)]


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
    keys: Sequence[ReportKey] | None = None,
) -> list[str]:
    """The digest's message parts (empty when there is nothing to say and the subscriber said so).

    `reports` are the approved reports of [start, end) and `previous` the keys of those of the
    period before (already narrowed to the subscription's provinces, or not); this applies the
    subscription's filters. `force` gives a digest even when nothing is new; `keys`, the reports'
    (category, province, certainty) when the caller has them. Call inside
    `use_locale(subscriber's language)`.
    """
    cache = cache or RenderCache()
    match = matcher(sub)
    if keys is None:
        keys = [report_key(r) for r in reports]
    # A day's reports share a few hundred keys at most: each is judged once.
    wanted = {k for k in {*keys, *previous} if match(*k)}
    mine_keys = [(r, k) for r, k in zip(reports, keys, strict=True) if k in wanted]
    mine = [r for r, _k in mine_keys]
    if not mine and not (sub.send_empty or force):
        return []
    header = cache.header(start, end, sub.timezone)
    if not mine:
        return [
            header + "\n\n" + _("No new approved reports in this period.") + "\n\n" + cache.filters_of(sub)
        ]

    before = [k for k in previous if k in wanted]
    by_cat, prev_cat = Counter(r.category for r in mine), Counter(k[0] for k in before)
    # Facets of one incident (reports sharing an incident id) count once per place, listed together.
    incidents: dict[str, list[tuple[Shown, ReportKey]]] = {}
    for r, k in mine_keys:
        incidents.setdefault(r.incident_id or r.reference, []).append((r, k))
    by_prov = Counter(facets[0][1][1] or "" for facets in incidents.values())
    prev_prov = Counter(k[1] or "" for k in before)
    known = [(c, _(t)) for c, t in categories() if by_cat[c] or prev_cat[c]]
    unknown = sorted((set(by_cat) | set(prev_cat)) - {c for c, _t in categories()})
    cat_order = known + [(c, category_label(c)) for c in unknown]
    prov_keys = sorted(set(by_prov) | set(prev_prov), key=lambda p: (-by_prov[p], cache.province(p)))
    summary = [
        header,
        "",
        ngettext(
            "{count} approved report ({change})", "{count} approved reports ({change})", len(mine)
        ).format(count=format_number(len(mine)), change=_change(len(mine), len(before))),
        *(
            [
                ngettext("{count} incident", "{count} incidents", len(incidents)).format(
                    count=format_number(len(incidents))
                )
            ]
            if len(incidents) < len(mine)
            else []
        ),
        "",
        *_totals(_("By category:"), by_cat, prev_cat, cat_order, cache),
        "",
        *_totals(_("By province:"), by_prov, prev_prov, [(p, cache.province(p)) for p in prov_keys], cache),
        "",
        cache.filters_of(sub),
    ]
    done = cache.blocks_of(mine)
    blocks = [
        ("↳ " if n else "") + done[r.id] for facets in incidents.values() for n, (r, _k) in enumerate(facets)
    ]
    return split_parts("\n".join(summary), blocks, header)


def split_parts(first: str, blocks: Sequence[str], header: str) -> list[str]:
    """Pack blocks into messages under the limit, breaking only between reports; each later part
    starts with the header and its number, so a reader who sees one part knows where it belongs."""
    parts: list[str] = []
    # The current part as its pieces and their length: joined once when full, not copied per block.
    current, size = [first[:MAX_MESSAGE]], len(first[:MAX_MESSAGE])
    longest = MAX_MESSAGE - len(header) - 40
    for block in blocks:
        block = block[:longest]
        if size + 2 + len(block) > MAX_MESSAGE:
            parts.append("\n\n".join(current))
            head = _("{header} (continued, part {part})").format(
                header=header, part=format_number(len(parts) + 1)
            )
            current, size = [head], len(head)
        current.append(block)
        size += 2 + len(block)
    parts.append("\n\n".join(current))
    return parts


def render_alert(report: Shown) -> str:
    """An urgent report, as soon as it is approved. Call inside `use_locale(subscriber's language)`."""
    return _("Urgent report approved") + "\n\n" + report_block(report)
