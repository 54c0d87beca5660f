"""A period's approved reports as digests read them: in listing order, indexed by (category,
province, certainty), so one subscriber's share and its totals are found without a pass over every
report of the period (a day is thousands, read for each of thousands of subscribers)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from bot.redaction import shown_province
from domain.vocabulary import Certainty
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
    # Counts by name, a name counted in neither period absent (read with .get).
    by_category: dict[str, int]
    before_by_category: dict[str, int]
    by_province: dict[str, int]  # incidents, once per place ("" for an unknown one)
    before_by_province: dict[str, int]
    # Block numbers (see `PeriodReports`) in listing order, a facet of an incident after its
    # first, with it.
    listed: Sequence[int]


@dataclass
class _Cut:
    """The keys of one (province, category) up to one certainty rank: their reports then and before."""

    now: int = 0
    before: int = 0
    positions: list[int] = field(default_factory=list)  # their reports' places in the listing order


class PeriodReports:
    """`reports` (in the order to list them) and how many reports of each key the period before had.

    A digest lists blocks by number: a report's block is its position in `reports`, and a further
    facet of an incident (listed after "↳ ") is that position plus `len(reports)`."""

    def __init__(self, reports: Sequence[Shown], previous: Counter[ReportKey]) -> None:
        self.reports = reports
        self.keys = [report_key(r) for r in reports]
        by_key: dict[ReportKey, list[int]] = {}
        for n, key in enumerate(self.keys):
            by_key.setdefault(key, []).append(n)
        # Per (province, category), a cut per certainty rank: a subscriber's filters pick the cuts
        # of their provinces and categories at their minimum certainty, a few dozen, where a pass
        # over a day's keys was hundreds.
        ranks = len(Certainty)
        pairs: dict[_Pair, list[_Cut]] = {}
        for key in {*by_key, *previous}:
            cuts = pairs.setdefault((key[1], key[0]), [_Cut() for _ in range(ranks)])
            for cut in cuts[Certainty.rank_of(key[2]) :]:
                cut.now += len(by_key.get(key, ()))
                cut.before += previous[key]
                cut.positions += by_key.get(key, ())
        # Per rank, per province, the categories with something to count at that rank and their cuts:
        # a share walks only the pairs that exist, where all provinces times all categories were
        # hundreds of lookups for a subscriber following everything.
        self.at_rank: list[dict[str | None, list[tuple[str, _Cut]]]] = [{} for _ in range(ranks)]
        for (province, category), cuts in pairs.items():
            for rank, cut in enumerate(cuts):
                cut.positions.sort()
                if cut.now or cut.before:
                    self.at_rank[rank].setdefault(province, []).append((category, cut))
        # Where an incident has several facets in the period: a share reaching one of these needs
        # its reports grouped one by one.
        facets = Counter(r.incident_id for r in reports if r.incident_id)
        self.grouped = {
            (k[1], k[0]) for r, k in zip(reports, self.keys, strict=True) if facets[r.incident_id or ""] > 1
        }

    def share(self, sub: AnySubscription) -> Share:
        """The reports `sub`'s filters let through (`bot.subscriptions.matcher`'s rule), counted and
        in order."""
        provinces = self.at_rank[Certainty.rank_of(sub.min_certainty)]
        wanted = frozenset(sub.categories)
        # A pair whose reports are all below the minimum is not named in the totals.
        chosen = [
            ((province, category), cut)
            for province in sub.provinces or provinces
            for category, cut in provinces.get(province, ())
            if not wanted or category in wanted
        ]
        # Summed in defaultdicts, handed on as plain dicts (a Counter's missing key is a Python call,
        # and building four Counters was a tenth of a share); zero counts are kept: a name counted
        # in one period only is listed either way.
        now_cat, before_cat, now_prov, before_prov = (defaultdict[str, int](int) for _ in range(4))
        for (province, category), cut in chosen:
            now_cat[category] += cut.now
            before_cat[category] += cut.before
            now_prov[province or ""] += cut.now
            before_prov[province or ""] += cut.before
        count = sum(now_cat.values())
        share = Share(
            count,
            sum(before_cat.values()),
            count,
            dict(now_cat),
            dict(before_cat),
            dict(now_prov),
            dict(before_prov),
            (),
        )
        # Sorted at once (in C, each cut an ascending run), not merged lazily: cheaper, though only
        # a few dozen are listed.
        positions = sorted(chain.from_iterable(cut.positions for _p, cut in chosen))
        if self.grouped.isdisjoint(pair for pair, _cut in chosen):
            share.listed = positions
            return share
        incidents: dict[str, list[int]] = {}
        for n in positions:
            report = self.reports[n]
            incidents.setdefault(report.incident_id or report.reference, []).append(n)
        share.incidents = len(incidents)
        share.by_province = dict(Counter(self.keys[f[0]][1] or "" for f in incidents.values()))
        facet = len(self.reports)
        share.listed = [n + facet if i else n for facets in incidents.values() for i, n in enumerate(facets)]
        return share
