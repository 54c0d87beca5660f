"""Digest and alert content: what a subscriber reads, in their language, split under Telegram's limit.

Pure rendering: reports in, plain-text message parts out: a period's totals under the subscriber's
filters, then the reports as `bot.report_blocks` renders them (never who reported them), packed
into parts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot import labels
from bot.digest_period import PeriodReports, ReportKey, Shown
from bot.forms.engine import category_label
from bot.i18n import _, get_locale, ngettext
from bot.localize import format_date, format_number, join_items, local_digits
from bot.places import places
from bot.redaction import WITHHELD
from bot.report_blocks import report_block, withheld
from bot.subscriptions import categories
from domain.vocabulary import Certainty
from storage.models import Report
from storage.subscriptions import AnySubscription, DigestReport

_Shown = TypeVar("_Shown", Report, DigestReport)

MAX_MESSAGE = 4096
BLOCK_CHARS = MAX_MESSAGE - 256  # a block longer than this is cut: a part's header comes first


@dataclass
class Wording:
    """What every digest in one language shares within a run, rendered once: thousands of
    subscribers read most of the same reports, totals lines, province names and filters."""

    categories: list[tuple[str, str]]  # (code, title), in the forms' order
    headers: dict[tuple[datetime, datetime, str], str] = field(default_factory=dict)
    lines: dict[tuple[str, int, int], str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # categories' by code
    filters: dict[tuple[tuple[str, ...], tuple[str, ...], str], str] = field(default_factory=dict)
    tables: dict[PeriodReports, Blocks] = field(default_factory=dict)

    def totals(
        self, title: str, current: dict[str, int], previous: dict[str, int], label: Iterable[tuple[str, str]]
    ) -> list[str]:
        """`title` and a line per (key, name) of `label`: its count now and the change from before
        (~30 lines a digest, most of them the same in thousands of digests)."""
        lines = [title]
        for key, name in label:
            now, before = current.get(key, 0), previous.get(key, 0)
            line = self.lines.get((name, now, before))
            if line is None:
                line = self.lines[name, now, before] = _("• {name}: {count} ({change})").format(
                    name=name, count=format_number(now), change=_change(now, before)
                )
            lines.append(line)
        return lines

    def province(self, pcode: str) -> str:
        if pcode not in self.provinces:
            self.provinces[pcode] = province_label(pcode)
        return self.provinces[pcode]

    def category(self, code: str) -> str:
        if code not in self.titles:
            self.titles[code] = category_label(code)
        return self.titles[code]

    def filters_of(self, sub: AnySubscription) -> str:
        key = (tuple(sub.provinces), tuple(sub.categories), str(sub.min_certainty))
        if key not in self.filters:
            self.filters[key] = filters_text(sub, self)
        return self.filters[key]

    def header(self, start: datetime, end: datetime, zone: str) -> str:
        key = (start, end, zone)
        if key not in self.headers:
            period = _("{start} – {end}").format(
                start=format_moment(start, zone), end=format_moment(end, zone)
            )
            self.headers[key] = _("Khabar digest, {period}").format(period=period)
        return self.headers[key]

    def blocks(self, period: PeriodReports) -> Blocks:
        """The period's report blocks in this language (a fan-out shows each of a day's reports to
        hundreds of subscribers: each is rendered once)."""
        if period not in self.tables:
            self.tables[period] = Blocks(period.reports)
        return self.tables[period]


class Blocks:
    """A period's report blocks by number (`PeriodReports`), each rendered when first listed, with
    its length and the blank line before it: a digest is packed from these lengths in C, not block
    by block."""

    def __init__(self, reports: Sequence[Shown]) -> None:
        self.reports = reports
        self.texts: list[str] = [""] * (2 * len(reports))
        self.sizes: list[int] = [0] * (2 * len(reports))  # 0: not rendered yet

    def ready(self, numbers: Sequence[int]) -> Sequence[int]:
        """`numbers`, each of their blocks rendered."""
        if 0 in map(self.sizes.__getitem__, numbers):  # in C: after a few digests, all are there
            facet = len(self.reports)
            for number in numbers:
                if not self.sizes[number]:
                    text = report_block(self.reports[number % facet])[:BLOCK_CHARS]
                    self.texts[number] = "↳ " + text if number >= facet else text
                    self.sizes[number] = len(self.texts[number]) + 2
        return numbers


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


def province_label(pcode: str) -> str:
    """A province key of the totals: its name, "withheld" or "unknown place"."""
    if pcode == WITHHELD:
        return withheld()
    return places().name(pcode) if pcode else _("unknown place")


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


def filters_text(sub: AnySubscription, words: Wording | None = None) -> str:
    """The subscription's filters in three lines; `words` (a run's shared wording) names them."""
    words = words or RenderCache().wording()
    provinces = join_items(map(words.province, sub.provinces)) if sub.provinces else _("all provinces")
    cats = join_items(map(words.category, sub.categories)) if sub.categories else _("all categories")
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
    cat_order = known + [(c, words.category(c)) for c in unknown]
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
        *words.totals(_("By category:"), by_cat, prev_cat, cat_order),
        "",
        *words.totals(_("By province:"), by_prov, prev_prov, prov_order),
        "",
        words.filters_of(sub),
    ]
    return split_parts(
        "\n".join(summary), words.blocks(period), share.listed, header, max_parts=max_parts, count=share.count
    )


PACK = 32  # blocks measured at a time: two or three parts' worth


def split_parts(
    first: str,
    blocks: Blocks,
    listed: Sequence[int],
    header: str,
    *,
    max_parts: int | None = None,
    count: int = 0,
) -> list[str]:
    """Pack the `listed` blocks into messages under the limit, breaking only between reports; each
    later part starts with the header and its number, so a reader who sees one part knows where it
    belongs. At most `max_parts` messages: the last then ends with how many of the `count` reports
    it left out. Blocks past the last part are never rendered."""
    parts: list[str] = []
    # The current part as its pieces and their length: joined once when full, not copied per block.
    current, size = [first[:MAX_MESSAGE]], len(first[:MAX_MESSAGE])
    placed = 0
    while placed < len(listed):
        window = blocks.ready(listed[placed : placed + PACK])
        # Where the part would end after each block of the window: those that fit go in at once.
        ends = list(accumulate(map(blocks.sizes.__getitem__, window), initial=size))
        fit = bisect_right(ends, MAX_MESSAGE) - 1
        if fit == 0 and len(current) == 1 and parts:  # longer than a part's room: cut to it
            current.append(blocks.texts[window[0]][: MAX_MESSAGE - size - 2])
            placed, size = placed + 1, MAX_MESSAGE
            continue
        current += map(blocks.texts.__getitem__, window[:fit])
        placed, size = placed + fit, ends[fit]
        if fit == len(window):
            continue
        if max_parts is not None and len(parts) + 1 >= max_parts:
            return [*parts, _ending_with_rest(current, size, count - placed)]
        parts.append("\n\n".join(current))
        head = _("{header} (continued, part {part})").format(
            header=header, part=format_number(len(parts) + 1)
        )
        current, size = [head], len(head)
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
