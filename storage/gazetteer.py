"""Loads the packaged copy of the Afghanistan gazetteer (../shared/data) into the places tables."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from storage.db import Database
from storage.models import BorderCrossing, District, PlaceAlias, Province

GAZETTEER = Path(__file__).parent / "gazetteer"


def _rows(name: str) -> list[dict[str, str]]:
    with (GAZETTEER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _place(row: dict[str, str], *fields: str) -> dict[str, Any]:
    data: dict[str, Any] = {f: row[f] for f in fields}
    data["lat"], data["lon"] = _float(row["lat"]), _float(row["lon"])
    return data


async def load_gazetteer(db: Database) -> bool:
    """Replace the places tables when they differ in size from the packaged files; True if loaded."""
    provinces = _rows("afghanistan_provinces.csv")
    districts = _rows("afghanistan_districts.csv")
    aliases = _rows("afghanistan_place_aliases.csv")
    crossings = _rows("afghanistan_border_crossings.csv")
    async with db.session() as session:
        counts = [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Province, District, PlaceAlias, BorderCrossing)
        ]
        if counts == [len(provinces), len(districts), len(aliases), len(crossings)]:
            return False
        for model in (PlaceAlias, BorderCrossing, District, Province):
            await session.execute(delete(model))
        session.add_all(Province(**_place(r, "pcode", "name_en", "name_prs", "name_ps")) for r in provinces)
        await session.flush()
        session.add_all(
            District(**_place(r, "pcode", "province_pcode", "name_en", "name_prs", "name_ps"))
            for r in districts
        )
        session.add_all(PlaceAlias(pcode=r["pcode"], alias=r["alias"], lang=r["lang"]) for r in aliases)
        session.add_all(
            BorderCrossing(
                **_place(
                    r,
                    "code",
                    "name_en",
                    "name_prs",
                    "name_ps",
                    "neighbour",
                    "province_pcode",
                    "district_pcode",
                    "kind",
                )
            )
            for r in crossings
        )
    return True
