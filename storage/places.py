"""Places repository: the gazetteer tables (provinces, districts, aliases, border crossings).

Read-only for the bot; `storage.gazetteer` loads them. The tables are small (a few hundred rows), so
the place service reads them whole and keeps them in memory.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.gazetteer import _rows
from storage.models import BorderCrossing, District, PlaceAlias, Province


class PlaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def provinces(self) -> list[Province]:
        stmt = select(Province).order_by(col(Province.pcode))
        return list((await self.session.execute(stmt)).scalars())

    async def districts(self) -> list[District]:
        stmt = select(District).order_by(col(District.pcode))
        return list((await self.session.execute(stmt)).scalars())

    async def aliases(self) -> list[PlaceAlias]:
        stmt = select(PlaceAlias).order_by(col(PlaceAlias.id))
        return list((await self.session.execute(stmt)).scalars())

    async def crossings(self) -> list[BorderCrossing]:
        stmt = select(BorderCrossing).order_by(col(BorderCrossing.code))
        return list((await self.session.execute(stmt)).scalars())


def packaged_places() -> tuple[list[Province], list[District], list[PlaceAlias], list[BorderCrossing]]:
    """The same rows, read from the packaged files the tables are loaded from.

    For callers with no database at hand (rendering a summary in a script); both sources agree because
    `load_gazetteer` fills the tables from these files.
    """

    def num(value: str) -> float | None:
        return float(value) if value.strip() else None

    provinces = [
        Province(
            pcode=r["pcode"],
            name_en=r["name_en"],
            name_prs=r["name_prs"],
            name_ps=r["name_ps"],
            lat=num(r["lat"]),
            lon=num(r["lon"]),
        )
        for r in _rows("afghanistan_provinces.csv")
    ]
    districts = [
        District(
            pcode=r["pcode"],
            province_pcode=r["province_pcode"],
            name_en=r["name_en"],
            name_prs=r["name_prs"],
            name_ps=r["name_ps"],
            lat=num(r["lat"]),
            lon=num(r["lon"]),
        )
        for r in _rows("afghanistan_districts.csv")
    ]
    aliases = [
        PlaceAlias(pcode=r["pcode"], alias=r["alias"], lang=r["lang"])
        for r in _rows("afghanistan_place_aliases.csv")
    ]
    crossings = [
        BorderCrossing(
            code=r["code"],
            name_en=r["name_en"],
            name_prs=r["name_prs"],
            name_ps=r["name_ps"],
            neighbour=r["neighbour"],
            province_pcode=r["province_pcode"],
            district_pcode=r["district_pcode"],
            lat=num(r["lat"]),
            lon=num(r["lon"]),
            kind=r["kind"],
        )
        for r in _rows("afghanistan_border_crossings.csv")
    ]
    return provinces, districts, aliases, crossings
