"""The redacted record: which of a report's facts a moderator's "sensitive" marks withhold.

Every reader that shows, filters, counts or routes reports by their facts (exports, digests,
alerts, /search) asks here, so a withheld answer can be neither seen nor inferred: a hidden
province is not filtered on or counted as that province, and hiding an answer that carries a
place (a listed border crossing) hides the province, district and point derived from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from bot.forms.engine import all_forms

# The province key of a report whose province is withheld: no subscription lists it, so such a
# report reaches only all-province subscriptions, and digest totals count it under "withheld".
WITHHELD = "withheld"


@cache
def _withheld(category: str, sensitive: frozenset[str]) -> frozenset[str]:
    form = all_forms().get(category)
    if form is None:
        return frozenset()
    names = {name for f in form.fields if f.name in sensitive for name in f.kind.fact_names(f)}
    # A place is known only down from its province: without it, the district and its point go too.
    if "province_pcode" in names:
        names.add("district_pcode")
    if "district_pcode" in names:
        names.update({"lat", "lon"})
    return frozenset(names)


def withheld_facts(category: str, sensitive: Iterable[str]) -> frozenset[str]:
    """The report columns (`occurred_on`, `province_pcode`, `district_pcode`, `lat`, `lon`...) that the
    fields marked sensitive feed, and the place facts below a withheld one."""
    return _withheld(category, frozenset(sensitive))


def shown_province(category: str, sensitive: Iterable[str], province: str | None) -> str | None:
    """The province key as a reader may use it: `WITHHELD` when hidden, else the province (or None)."""
    if province is not None and "province_pcode" in withheld_facts(category, sensitive):
        return WITHHELD
    return province
