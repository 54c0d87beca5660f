"""Where it happened: a shared location (GPS point) and an administrative area (a province or a
district from the gazetteer, picked from a list, typed, or found from a shared location)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.forms.actions import Button, ReportAction
from bot.forms.model import FormError
from bot.forms.types.base import (
    Asking,
    Confirm,
    Explain,
    FieldType,
    Move,
    Options,
    Redraw,
    Reply,
    Stale,
    Store,
    point,
)
from bot.forms.types.choice import grid
from bot.i18n import N_, _
from bot.localize import format_number, isolate, to_ascii_digits
from bot.places import OTHER, Gazetteer, chunk, place_label, places
from domain import languages

if TYPE_CHECKING:
    from bot.forms.model import Form, FormField

PAGE_SIZE = 12
SHARED = "shared_location"  # draft state: a point shared at a place question
_PCODE = re.compile(r"AF\d{2,6}")


class LocationType(FieldType[Options]):
    name = "location"
    options_type = Options
    buttons_only = N_("Please share a location (📎, then “Location”), or send /skip.")

    def on_location(self, q: Asking, lat: float, lon: float) -> Move | None:
        return Store(point(lat, lon), edit=False)

    # A point shared only to find the district is offered here, never kept unasked (finding 6).
    def offered(self, state: Mapping[str, Any]) -> bool:
        return isinstance(state.get(SHARED), dict)

    def buttons(self, q: Asking) -> list[list[Button]]:
        if isinstance(q.state.get(SHARED), dict) and q.field.name not in q.answers:
            return [[q.button(_("Use the location I shared"), ReportAction.ACCEPT)]]
        return []

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        shared = q.state.get(SHARED)
        if action is ReportAction.ACCEPT and isinstance(shared, dict) and q.field.name not in q.answers:
            return Store(shared)
        return None

    def format(self, f: FormField, value: Any) -> str:
        return isolate(f"{float(value['lat']):.5f}, {float(value['lon']):.5f}")

    def export(self, f: FormField, value: Any, gazetteer: Gazetteer) -> list[tuple[str, str, str]]:
        lat = f"{float(value['lat']):.5f}" if isinstance(value, dict) else ""
        lon = f"{float(value['lon']):.5f}" if isinstance(value, dict) else ""
        return [(f"{f.hxl}+lat", f"{f.name}_lat", lat), (f"{f.hxl}+lon", f"{f.name}_lon", lon)]

    def facts(self, f: FormField, value: Any) -> dict[str, Any]:
        return {"lat": float(value["lat"]), "lon": float(value["lon"])}

    def fact_names(self, f: FormField) -> frozenset[str]:
        return frozenset({"lat", "lon"})


@dataclass(frozen=True)
class AreaOptions(Options):
    level: str = "province"  # "province" or "district"
    parent: str = ""  # a district's province field


class AdminAreaType(FieldType[AreaOptions]):
    """Answer: a P-code, or "other" for a district not listed (the free-text place is then the
    `place_name` answer)."""

    name = "admin_area"
    options_type = AreaOptions
    editable = True
    edit_prompt = N_("{field} is now: {value}. Type the place name or its P-code.")

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> AreaOptions:
        level = raw.get("level", "")
        if level not in ("province", "district"):
            raise FormError(f"{where}: admin_area needs level = province or district")
        if level == "district" and not raw.get("parent"):
            raise FormError(f'{where}: a district needs parent = "<province field>"')
        return AreaOptions(level=level, parent=str(raw.get("parent", "")))

    def references(self, f: FormField) -> tuple[str, ...]:
        parent = self.options(f).parent
        return (parent,) if parent else ()

    def level(self, f: FormField) -> str:
        return self.options(f).level

    def dependent(self, form: Form, f: FormField) -> FormField | None:
        return next((c for c in form.fields if c.kind is self and self.options(c).parent == f.name), None)

    # --- answering

    def on_text(self, q: Asking, text: str) -> Move:
        opts = self.options(q.field)
        level = "province" if opts.level == "province" and not self.dependent(q.form, q.field) else None
        if opts.level == "district":
            level = "district"
        province = q.answers.get(opts.parent) if opts.parent else None
        exact = q.places.exact(text, level=level)
        if exact is not None and (
            province is None or q.places.province_of(exact.pcode) == q.places.get(province)
        ):
            # An exact, unique name is taken as typed; Edit on the summary corrects it.
            return self._pick(q, exact.pcode)
        found = q.places.match(text, level=level, province=province)
        if not found:
            return Explain(_("I couldn't find that place. Choose from the list, or try another spelling."))
        rows = [[q.button(q.places.label(p.pcode), ReportAction.PLACE, p.pcode)] for p in found]
        rows.append([q.button(_("None of these: show the list"), ReportAction.PAGE, "0")])
        return Reply(_("Did you mean one of these?"), rows)

    def on_location(self, q: Asking, lat: float, lon: float) -> Move | None:
        nearest = q.places.nearest_district(lat, lon)
        if nearest is None:
            return Explain(_("This location is outside Afghanistan."))
        q.state["pending"] = {"field": q.field.name, "value": nearest.pcode, "location": point(lat, lon)}
        return Confirm(
            _("The nearest district to this location is {place}. Is that right?").format(
                place=q.places.label(nearest.pcode)
            )
        )

    def buttons(self, q: Asking) -> list[list[Button]]:
        opts = self.options(q.field)
        if opts.level == "province":
            items = q.places.province_list()
        else:
            items = q.places.district_list(str(q.answers.get(opts.parent, "")))
        page = int(q.state.get("page", 0))
        shown, pages = chunk(items, page, PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        rows = grid([q.button(p.name(), ReportAction.PLACE, p.pcode) for p in shown], 2)
        if pages > 1:
            paging = []
            if page > 0:
                paging.append(q.button(_("‹ Previous"), ReportAction.PAGE, str(page - 1)))
            label = f"{format_number(page + 1)}/{format_number(pages)}"
            paging.append(q.button(label, ReportAction.PAGE, str(page)))
            if page < pages - 1:
                paging.append(q.button(_("Next ›"), ReportAction.PAGE, str(page + 1)))
            rows.append(paging)
        if opts.level == "district":
            rows.append([q.button(_("Other / not listed"), ReportAction.PLACE, OTHER)])
        return rows

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        if action is ReportAction.PAGE and arg.isascii() and arg.isdigit():
            q.state["page"] = int(arg)
            return Redraw()
        if action is ReportAction.PLACE:
            return self._pick(q, arg)
        return None

    def accept(self, q: Asking, pending: Mapping[str, Any]) -> Move:
        move = self._pick(q, str(pending["value"]))
        location = pending.get("location")
        if isinstance(move, Store) and location and q.form.has("location") and "location" not in q.answers:
            # Not the report's point: the location question offers it, and the reporter chooses.
            q.state[SHARED] = location
        return move

    def _pick(self, q: Asking, pcode: str) -> Move:
        f, opts = q.field, self.options(q.field)
        place = q.places.get(pcode)
        if opts.level == "district" and pcode == OTHER:
            return Store(OTHER)
        if place is None:
            return Stale()
        if opts.level == "province" and place.is_district:
            child = self.dependent(q.form, f)
            if child is None:
                return Stale()
            # A district chosen at the province question answers both.
            return Store(place.pcode, target=child, also={f.name: place.province_pcode})
        if opts.level == "district":
            if not place.is_district:
                return Stale()
            moved = place.province_pcode != q.answers.get(opts.parent)
            return Store(place.pcode, also={opts.parent: place.province_pcode} if moved else {})
        if place.is_district:
            return Stale()
        return Store(place.pcode)

    # --- moderation

    def moderate(
        self, f: FormField, form: Form, answers: Mapping[str, Any], value: str, today: date
    ) -> tuple[dict[str, Any], str | None]:
        """A place typed as a name in any of the three languages or as a P-code: a district brings
        its province along; a province may not leave the report's district in another province."""
        gazetteer = places()
        opts = self.options(f)
        code = to_ascii_digits(value.strip()).upper()
        if _PCODE.fullmatch(code):
            place = gazetteer.get(code)
            at_level = place is not None and place.is_district == (opts.level == "district")
            found = [place] if place is not None and at_level else []
        else:
            found = gazetteer.match(value, level=opts.level)
        if not found:
            return {}, _("No place of that name was found. Try another spelling, or type its P-code.")
        if len(found) > 1:
            listed = "\n".join(f"{gazetteer.label(p.pcode)} {isolate(p.pcode)}" for p in found)
            return {}, _("Several places match:\n{places}\nType the P-code of the one you mean.").format(
                places=listed
            )
        place = found[0]
        if opts.level == "district":
            return {opts.parent: place.province_pcode, f.name: place.pcode}, None
        for child in form.fields:
            district = answers.get(child.name)
            if child.kind is not self or self.options(child).parent != f.name or district in (None, OTHER):
                continue
            if gazetteer.province_of(str(district)) != place:
                return {}, _(
                    "{district} is not in {province}. Change the district instead: its province follows."
                ).format(district=gazetteer.label(str(district)), province=place.name())
        return {f.name: place.pcode}, None

    # --- rendering

    def format(self, f: FormField, value: Any) -> str:
        return _("Other / not listed") if value == OTHER else place_label(str(value))

    def export(self, f: FormField, value: Any, gazetteer: Gazetteer) -> list[tuple[str, str, str]]:
        code = "" if value in (None, OTHER) else str(value)
        name = gazetteer.name(code, languages.SOURCE) if code else ("Other" if value == OTHER else "")
        # The report's own place is `#adm1+code` with `#adm1+name`; another place (a destination)
        # is `+pcode` with `+label`, so that no tag pattern of one selects the other's columns.
        name_tag = f.hxl.replace("+code", "+name") if "+code" in f.hxl else f.hxl.replace("+pcode", "+label")
        return [(f.hxl, f.name, code), (name_tag, f"{f.name}_name", name)]

    def facts(self, f: FormField, value: Any) -> dict[str, Any]:
        if self.level(f) == "province":
            return {"province_pcode": value}
        return {"district_pcode": None if value == OTHER else value}

    def fact_names(self, f: FormField) -> frozenset[str]:
        return frozenset({f"{self.level(f)}_pcode"})
