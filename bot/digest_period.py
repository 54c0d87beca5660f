"""A period's approved reports as digests read them: in listing order, indexed by (category,
province, certainty), so one subscriber's share and its totals are found without a pass over every
report of the period (a day is thousands, read for each of thousands of subscribers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

from bot.redaction import shown_province
from bot.subscriptions import matcher
from storage.models import Report
from storage.subscriptions import AnySubscription, DigestReport

Shown = Report | DigestReport  # a report as digests show it: an ORM row, or the digest's plain columns
ReportKey = tuple[str, str | None, str | None]  # category, province, certainty
_Pair = tuple[str | None, str]  # province, category


def report_key(report: Shown) -> ReportKey:
    """(category, province, certainty) as readers may use them: a withheld province is `WITHHELD`."""
    province = shown_province(report.category, report.sensitive_fields, report.province_pcode)
    return report.category, province, report.certainty


@dataclass
class Share:
    """What one subscription's digest counts and lists of a period."""

    count: int  # reports
    before: int  # reports of the period before
    incidents: int  # facets of one incident count once
    by_category: Counter[str]
    before_by_category: Counter[str]
    by_province: Counter[str]  # incidents, once per place ("" for an unknown one)
    before_by_province: Counter[str]
    # Reports in listing order, a facet of an incident after its first (True) with it; lazy, as
    # a digest of a few parts lists a few dozen of them.
    listed: Iterator[tuple[Shown, bool]]


class PeriodReports:
    """`reports` (in the order to list them) and how many reports of each key the period before had."""

    def __init__(self, reports: Sequence[Shown], previous: Counter[ReportKey]) -> None:
        self.reports = reports
        self.keys = [report_key(r) for r in reports]
        self.by_key: dict[ReportKey, list[int]] = {}  # positions, ascending
        for n, key in enumerate(self.keys):
            self.by_key.setdefault(key, []).append(n)
        self.before = previous
        # A subscriber of two provinces or of one category looks at the keys of those only.
        self.by_pair: dict[_Pair, list[ReportKey]] = {}
        for key in {*self.by_key, *self.before}:
            self.by_pair.setdefault((key[1], key[0]), []).append(key)
        self.provinces = list({p for p, _c in self.by_pair})
        self.categories = list({c for _p, c in self.by_pair})
        # Keys holding a facet of an incident with several in the period: only a share with one of
        # them needs its reports grouped one by one.
        facets = Counter(r.incident_id for r in reports if r.incident_id)
        self.grouped = {k for r, k in zip(reports, self.keys, strict=True) if facets[r.incident_id or ""] > 1}

    def share(self, sub: AnySubscription) -> Share:
        """The reports `sub`'s filters let through, counted and in order."""
        match = matcher(sub)
        pairs = ((p, c) for p in sub.provinces or self.provinces for c in sub.categories or self.categories)
        wanted = [k for pair in pairs for k in self.by_pair.get(pair, ()) if match(*k)]
        share = Share(0, 0, 0, Counter(), Counter(), Counter(), Counter(), iter(()))
        # Zero counts are kept: a name counted in one period only is listed either way.
        for key in wanted:
            now, before = len(self.by_key.get(key, ())), self.before[key]
            share.count += now
            share.before += before
            share.by_category[key[0]] += now
            share.before_by_category[key[0]] += before
            share.by_province[key[1] or ""] += now
            share.before_by_province[key[1] or ""] += before
        # Sorted at once (in C), not merged lazily: cheaper, though only a few dozen are listed.
        positions = sorted(chain.from_iterable(self.by_key[k] for k in wanted if k in self.by_key))
        if self.grouped.isdisjoint(wanted):
            share.incidents = share.count
            share.listed = ((self.reports[n], False) for n in positions)
            return share
        incidents: dict[str, list[int]] = {}
        for n in positions:
            report = self.reports[n]
            incidents.setdefault(report.incident_id or report.reference, []).append(n)
        share.incidents = len(incidents)
        share.by_province = Counter(self.keys[facets[0]][1] or "" for facets in incidents.values())
        share.listed = (
            (self.reports[n], i > 0) for facets in incidents.values() for i, n in enumerate(facets)
        )
        return share
