"""Places: names in the user's language, pickers, typed-name matching and the nearest district.

The gazetteer is small (34 provinces, 401 districts, 154 aliases), so it is read once into memory
at start-up (`Services.start` in the application's post_init calls `load_places(session)`; handlers use
`services.places`) and every lookup after that is a dictionary or list scan, not a query per
keystroke. `places()` returns the loaded copy, or one built from the packaged files when no database
was loaded (scripts, exports); both come from the same files.

District names repeat across provinces (two Jani Khel, two Fayzabad …), so a district is always
shown with its province: `place_label()`.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, get_locale, use_locale
from domain import languages
from storage.models import BorderCrossing, District, PlaceAlias, Province
from storage.places import PlaceRepository, packaged_places

OTHER = "other"  # the district answer for "Other / not listed"; the place name is then free text


@dataclass(frozen=True)
class Place:
    pcode: str
    # Gazetteer name column (name_en, name_prs, …) → the name in it, "" where the gazetteer has none.
    names: Mapping[str, str] = field(hash=False)
    province_pcode: str | None  # None for a province
    lat: float | None
    lon: float | None

    @property
    def is_district(self) -> bool:
        return self.province_pcode is not None

    def name(self, language: str | None = None) -> str:
        """The name in `language`, else in the next column of its fallback chain (the registry's)."""
        columns = languages.language(language or get_locale()).place_names
        return next((name for column in columns if (name := self.names.get(column))), "")


# --- name normalisation ----------------------------------------------------------------------------

# Arabic-script letters that Dari and Pashto (or careless typing) write differently for one sound.
_ARABIC_FOLD = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ې": "ی",
        "ۍ": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ګ": "گ",
        "ة": "ه",
        "\u200c": None,
        "\u200d": None,
        "\u0640": None,  # tatweel
    }
)
# Second, looser level: Pashto letters to their nearest Dari letter, for skeleton matching.
_ARABIC_LOOSE = str.maketrans(
    {"ډ": "د", "ړ": "ر", "ټ": "ت", "ښ": "ش", "ږ": "ژ", "ځ": "ز", "څ": "چ", "ڼ": "ن"}
)
_CONNECTOR = re.compile(r"(?<=[a-z])[\s\-']+[ei][\s\-']+(?=[a-z])")
_SEPARATORS = re.compile(r"[\s\-'’`_.,()]+")


def normalize(text: str) -> str:
    """Case-fold, fold diacritics, unify ي/ی and ك/ک, drop ZWNJ, and treat the Latin connectors
    -e-, -i-, e, i, hyphens and spaces alike (Nahr-e-Saraj = Nahr-i-Saraj = Nahr Saraj)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_ARABIC_FOLD)
    text = _CONNECTOR.sub(" ", text)
    return _SEPARATORS.sub("", text)


def skeleton(text: str) -> str:
    """A looser key for transliteration variants: consonants only, doubled letters collapsed
    (Jani Khel, Jani Khail and Jany Kheil all give "jnkhl"; Pashto ګ ړ ډ fold to Dari letters)."""
    key = normalize(text).translate(_ARABIC_LOOSE)
    if key.isascii():
        key = key[0] + re.sub(r"[aeiouyw]", "", key[1:]) if key else key
    else:
        key = re.sub(r"[اآویهع]", "", key[:1] + key[1:]) if len(key) > 2 else key
    return re.sub(r"(.)\1+", r"\1", key)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


# --- the gazetteer in memory -----------------------------------------------------------------------


@dataclass
class Gazetteer:
    provinces: dict[str, Place]
    districts: dict[str, Place]
    crossings: dict[str, BorderCrossing]
    _keys: list[tuple[str, str, str]] = field(default_factory=list)  # (normalised, skeleton, pcode)

    @classmethod
    def build(
        cls,
        provinces: Iterable[Province],
        districts: Iterable[District],
        aliases: Iterable[PlaceAlias],
        crossings: Iterable[BorderCrossing],
    ) -> Gazetteer:
        alias_list = list(aliases)
        # Provinces have no name_ps column value; their Pashto name is the `ps` alias. An alias's
        # `lang` is the suffix of the name column it stands in for (en, prs, ps).
        column_aliases = {(a.pcode, f"name_{a.lang}"): a.alias for a in alias_list if len(a.pcode) == 4}
        prov = {
            p.pcode: Place(p.pcode, _names(p, p.pcode, column_aliases), None, p.lat, p.lon) for p in provinces
        }
        dist = {d.pcode: Place(d.pcode, _names(d), d.province_pcode, d.lat, d.lon) for d in districts}
        gaz = cls(prov, dist, {c.code: c for c in crossings})
        names: list[tuple[str, str]] = []
        for place in [*prov.values(), *dist.values()]:
            names += [(n, place.pcode) for n in place.names.values() if n]
        names += [(a.alias, a.pcode) for a in alias_list if a.pcode in prov or a.pcode in dist]
        seen: set[tuple[str, str]] = set()
        for name, pcode in names:
            key = normalize(name)
            if key and (key, pcode) not in seen:
                seen.add((key, pcode))
                gaz._keys.append((key, skeleton(name), pcode))
        return gaz

    def get(self, pcode: str) -> Place | None:
        return self.provinces.get(pcode) or self.districts.get(pcode)

    def province_of(self, pcode: str) -> Place | None:
        place = self.get(pcode)
        if place is None:
            return None
        return self.provinces.get(place.province_pcode) if place.province_pcode else place

    def name(self, pcode: str, language: str | None = None) -> str:
        place = self.get(pcode)
        return place.name(language) if place else pcode

    def label(self, pcode: str, language: str | None = None) -> str:
        """A province's name, or a district's name with its province: "Jani Khel (Paktika)"."""
        place = self.get(pcode)
        if place is None:
            return pcode
        if place.province_pcode is None:
            return place.name(language)
        with use_locale(language or get_locale()):
            return _("{district} ({province})").format(
                district=place.name(), province=self.name(place.province_pcode)
            )

    def province_list(self, language: str | None = None) -> list[Place]:
        """Provinces sorted by their name in `language`, for the paged picker."""
        return sorted(self.provinces.values(), key=lambda p: normalize(p.name(language)))

    def district_list(self, province: str, language: str | None = None) -> list[Place]:
        found = [d for d in self.districts.values() if d.province_pcode == province]
        return sorted(found, key=lambda d: normalize(d.name(language)))

    def match(
        self, text: str, *, level: str | None = None, province: str | None = None, limit: int = 8
    ) -> list[Place]:
        """Places whose English, Dari or Pashto name or alias matches `text`, best first.

        `level` keeps only "province" or "district" results; `province` ranks that province's
        districts first. Exact (normalised) matches come before transliteration (skeleton) matches,
        then names starting with the text, then close spellings.
        """
        key, skel = normalize(text), skeleton(text)
        if not key:
            return []

        def wanted(pcode: str) -> bool:
            if level == "province":
                return pcode in self.provinces
            if level == "district":
                return pcode in self.districts
            return True

        keys = [k for k in self._keys if wanted(k[2])]
        tiers: list[list[str]] = [
            [p for k, _, p in keys if k == key],
            [p for _, s, p in keys if len(skel) >= 3 and s == skel],
            [p for k, _, p in keys if len(key) >= 3 and k.startswith(key)],
        ]
        # Exact and transliteration matches together; looser tiers only when those find nothing.
        # Close spellings (difflib over every name, ~1 ms) are looked for only when nothing before does.
        if tiers[0] or tiers[1]:
            tiers = [tiers[0] + tiers[1]]
        elif tiers[2]:
            tiers = [tiers[2]]
        else:
            close = set(difflib.get_close_matches(key, [k for k, _, _ in keys], n=limit, cutoff=0.8))
            tiers = [[p for k, _, p in keys if k in close]]
        ordered: list[str] = []
        for tier in tiers:
            if province:
                tier = sorted(tier, key=lambda p: self.province_of(p) != self.provinces.get(province))
            for pcode in tier:
                if pcode not in ordered:
                    ordered.append(pcode)
        return [place for p in ordered[:limit] if (place := self.get(p)) is not None]

    def exact(self, text: str, *, level: str | None = None) -> Place | None:
        """The one place whose name or alias is exactly `text` (as normalised); None when none or
        several are: then the reporter chooses."""
        key = normalize(text)
        found = {
            p
            for k, _, p in self._keys
            if k == key and (level is None or (p in self.districts) == (level == "district"))
        }
        return self.get(found.pop()) if len(found) == 1 else None

    def crossing_names(self, code: str) -> tuple[str, ...]:
        """A border crossing's names in every language the gazetteer has."""
        crossing = self.crossings.get(code)
        if crossing is None:
            return ()
        return tuple(n for n in (crossing.name_en, crossing.name_prs, crossing.name_ps) if n)

    def nearest_district(self, lat: float, lon: float) -> Place | None:
        """The district whose representative point is nearest (haversine); None outside the country."""
        best: tuple[float, Place] | None = None
        for district in self.districts.values():
            if district.lat is None or district.lon is None:
                continue
            distance = haversine_km(lat, lon, district.lat, district.lon)
            if best is None or distance < best[0]:
                best = (distance, district)
        # Farther than this from every district point is not Afghanistan: don't propose anything.
        return best[1] if best is not None and best[0] <= 150 else None


def _names(
    row: Province | District, pcode: str = "", aliases: Mapping[tuple[str, str], str] | None = None
) -> dict[str, str]:
    """Every name column any language reads; a column the table lacks (or leaves empty) falls back
    to an alias for it, else stays empty so `Place.name` moves down the fallback chain."""
    return {
        column: getattr(row, column, "") or (aliases or {}).get((pcode, column), "")
        for column in languages.PLACE_NAME_COLUMNS
    }


_cache: Gazetteer | None = None


async def load_places(session: AsyncSession) -> Gazetteer:
    """Read the places tables once per process (cheap after the first call)."""
    global _cache
    if _cache is None:
        repo = PlaceRepository(session)
        loaded = Gazetteer.build(
            await repo.provinces(), await repo.districts(), await repo.aliases(), await repo.crossings()
        )
        # An empty table (a database not yet upgraded) must not hide the packaged names.
        if loaded.provinces:
            _cache = loaded
    return places()


def places() -> Gazetteer:
    """The gazetteer in memory (from the database when loaded, else from the packaged files)."""
    global _cache
    if _cache is None:
        _cache = Gazetteer.build(*packaged_places())
    return _cache


def place_label(pcode: str | None, language: str | None = None) -> str:
    """Public helper: "District (Province)" or "Province" in `language` (default: current locale)."""
    return places().label(pcode, language) if pcode else ""


def province_name(pcode: str | None, language: str | None = None) -> str:
    return places().name(pcode, language) if pcode else ""


def chunk(items: Sequence[Place], page: int, size: int) -> tuple[list[Place], int]:
    """One page of a list and the number of pages (at least 1); `page` is clamped into range."""
    pages = max(1, math.ceil(len(items) / size))
    page = min(max(page, 0), pages - 1)
    return list(items[page * size : (page + 1) * size]), pages
