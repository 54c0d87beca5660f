"""What the crash-restart tests' reporter means to send, question by question, and the report that
must come out of it whatever crashes: one plan per category, covering every kind of input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from bot.forms.actions import ReportAction
from bot.forms.engine import get_form
from bot.forms.types.media import VOICE_ANSWER
from tests.crash_person import Act, Plan, command, location, photo, press, text, voice

PHOTO_1 = b"\xff\xd8\xff\xe0crash-test-photo-one\xff\xd9"
PHOTO_2 = b"\xff\xd8\xff\xe0crash-test-photo-two\xff\xd9"
VOICE = b"OggS crash-test voice note"


def _opt(category: str, f: str, code: str) -> str:
    return str([c.code for c in get_form(category).field(f).choices].index(code))


class _Tick(Protocol):
    def __call__(self, f: str, code: str, *, at: str) -> Act: ...


def _buttons(c: str) -> tuple[Callable[[str, str], Act], _Tick]:
    """For category `c`: the option `code` of question `f` (the first tap of a multi-choice), and a
    tick of `code` on the multi-choice `f` still on screen while question `at` is asked."""

    def option(f: str, code: str) -> Act:
        return press(f, ReportAction.OPTION, _opt(c, f, code))

    def tick(f: str, code: str, *, at: str) -> Act:
        return press(f, ReportAction.TOGGLE, _opt(c, f, code), at=at)

    return option, tick


def _typed_day(days_ago: int) -> str:
    """A date typed as ISO, far enough back that Kabul's date and this machine's agree on it."""
    return (date.today() - timedelta(days=days_ago)).isoformat()


@dataclass(frozen=True)
class Scenario:
    category: str
    plan: Plan
    expected: dict[str, Any]  # answers the report must hold (photos as their bytes)
    absent: tuple[str, ...]  # answers it must not hold (skipped)

    @property
    def details(self) -> tuple[str, ...]:
        """The planned questions the walk leaves to the summary: reached with Edit, in form order."""
        return tuple(f.name for f in get_form(self.category).fields if not f.ask and f.name in self.plan)


def other_security() -> Scenario:
    """Every kind of input: a day button, a typed place (an exact name: no button needed), /back
    and a new answer, choices, numbers, a voice note where a choice is asked (refused, not stored;
    at a text question it would answer it), text; on the summary, /skip, a place name typed and then
    changed, a location, two photos and Done."""
    c = "other_security"
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "1")],
        "time_of_day": [command("time_of_day", "skip")],
        "province": [text("province", "Paghman"), press("province", ReportAction.PLACE, "AF0102")],
        "place_name": [text("place_name", "Qala"), text("place_name", "Qala village")],
        "location": [location("location", 34.53, 69.17)],
        "incident_type": [
            voice("incident_type", VOICE),
            press("incident_type", ReportAction.OPTION, _opt(c, "incident_type", "abduction")),
        ],
        "aid_workers_affected": [
            press("aid_workers_affected", ReportAction.OPTION, _opt(c, "aid_workers_affected", "yes"))
        ],
        "killed": [text("killed", "0"), text("killed", "0")],
        "injured": [command("injured", "back"), text("injured", "2")],
        "description": [text("description", "Two staff were taken at a checkpoint.")],
        "source_type": [press("source_type", ReportAction.OPTION, _opt(c, "source_type", "official"))],
        "photos": [photo("photos", PHOTO_1), photo("photos", PHOTO_2), press("photos", ReportAction.DONE)],
    }
    expected = {
        "province": "AF01",
        "district": "AF0102",
        "place_name": "Qala village",
        "location": {"lat": 34.53, "lon": 69.17},
        "incident_type": "abduction",
        "aid_workers_affected": "yes",
        "killed": 0,
        "injured": 2,
        "description": "Two staff were taken at a checkpoint.",
        "source_type": "official",
        "photos": [PHOTO_1, PHOTO_2],
    }
    return Scenario(c, plan, expected, ("time_of_day",))


def health_attack() -> Scenario:
    """One tap answers a multi-choice question; ticks on it, still on screen above the next
    question, add options (pressed again after a crash they must not untick); Done with nothing
    sent, /skip."""
    c = "health_attack"

    option, tick = _buttons(c)
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "0")],
        "time_of_day": [option("time_of_day", "morning")],
        "province": [text("province", "Paghman")],  # an exact name: taken as typed
        "place_name": [command("place_name", "skip")],
        "location": [location("location", 34.41, 69.35)],  # optional: a /skip sent twice would skip it
        "attack_types": [option("attack_types", "heavy_weapons")],
        "resources_affected": [
            tick("attack_types", "arson", at="resources_affected"),
            option("resources_affected", "facility"),
        ],
        "facility_type": [option("facility_type", "chc")],
        "facility_name": [text("facility_name", "Surkh Rod CHC")],
        "services_interrupted": [
            tick("resources_affected", "personnel", at="services_interrupted"),
            option("services_interrupted", "partly"),
        ],
        "perpetrator": [press("perpetrator", ReportAction.OPTION, _opt(c, "perpetrator", "armed_group"))],
        "killed": [text("killed", "1")],
        "injured": [press("injured", ReportAction.UNKNOWN)],
        "description": [text("description", "The clinic was shelled at dawn.")],
        "source_type": [press("source_type", ReportAction.OPTION, _opt(c, "source_type", "witnessed"))],
        "photos": [press("photos", ReportAction.DONE)],
    }
    expected = {
        "time_of_day": "morning",
        "location": {"lat": 34.41, "lon": 69.35},
        "province": "AF01",
        "district": "AF0102",
        "attack_types": ["heavy_weapons", "arson"],
        "resources_affected": ["facility", "personnel"],
        "facility_type": "chc",
        "facility_name": "Surkh Rod CHC",
        "services_interrupted": "partly",
        "perpetrator": "armed_group",
        "killed": 1,
        "description": "The clinic was shelled at dawn.",
        "source_type": "witnessed",
    }
    return Scenario(c, plan, expected, ("place_name", "photos"))


def medical_supplies_loss() -> Scenario:
    """A typed date, a tick on a conditional multi-choice, a voice note answering the description
    (kept in the voice field), a typed detail and a photo on the summary."""
    c = "medical_supplies_loss"
    option, tick = _buttons(c)
    day = _typed_day(5)
    plan: Plan = {
        "occurred_on": [text("occurred_on", day)],
        "province": [text("province", "Paghman")],
        "supply_type": [option("supply_type", "vaccines")],
        "antigens": [option("antigens", "opv")],
        "quantity": [tick("antigens", "measles", at="quantity"), text("quantity", "1200")],
        "unit": [option("unit", "doses")],
        "cause": [option("cause", "looting")],
        "description": [voice("description", VOICE)],
        "source_type": [option("source_type", "official")],
        "facility_name": [text("facility_name", "Central warehouse")],
        "photos": [photo("photos", PHOTO_1), press("photos", ReportAction.DONE)],
    }
    expected = {
        "occurred_on": day,
        "province": "AF01",
        "district": "AF0102",
        "supply_type": "vaccines",
        "antigens": ["opv", "measles"],
        "quantity": 1200,
        "unit": "doses",
        "cause": "looting",
        "description": VOICE_ANSWER,
        "voice": [VOICE],
        "source_type": "official",
        "facility_name": "Central warehouse",
        "photos": [PHOTO_1],
    }
    return Scenario(c, plan, expected, ("location",))


def border_crossing() -> Scenario:
    """A listed crossing (no place asked), ticks on two multi-choice questions, an optional number
    that brings two questions, /back and a changed answer; a time of day and a voice note (and Done)
    on the summary."""
    c = "border_crossing"
    option, tick = _buttons(c)
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "2")],
        "crossing": [option("crossing", "BCP-PAK-TKH")],
        "status": [option("status", "closed")],
        "crossers": [tick("status", "restricted", at="crossers"), option("crossers", "civilians")],
        "people_crossing": [
            tick("crossers", "traders", at="people_crossing"),
            text("people_crossing", "300"),
        ],
        "crossing_flow": [option("crossing_flow", "daily"), option("crossing_flow", "event")],
        "direction": [command("direction", "back"), option("direction", "out_of_afghanistan")],
        "goods_blocked": [option("goods_blocked", "aid")],
        "killed": [text("killed", "0")],
        "injured": [text("injured", "1")],
        "description": [text("description", "The crossing was closed to traders.")],
        "source_type": [option("source_type", "witness")],
        "time_of_day": [option("time_of_day", "night")],
        "voice": [voice("voice", VOICE), press("voice", ReportAction.DONE)],
    }
    expected = {
        "crossing": "BCP-PAK-TKH",
        "status": ["closed", "restricted"],
        "crossers": ["civilians", "traders"],
        "people_crossing": 300,
        "crossing_flow": "event",
        "direction": "out_of_afghanistan",
        "goods_blocked": "aid",
        "killed": 0,
        "injured": 1,
        "description": "The crossing was closed to traders.",
        "source_type": "witness",
        "time_of_day": "night",
        "voice": [VOICE],
    }
    return Scenario(c, plan, expected, ("province", "district", "photos"))


def explosive_hazard() -> Scenario:
    """A date more than a year ago, confirmed with Yes; a conditional question; a location, a place
    name and two photos on the summary."""
    c = "explosive_hazard"
    option, _tick = _buttons(c)
    day = _typed_day(400)
    plan: Plan = {
        "occurred_on": [text("occurred_on", day), press("occurred_on", ReportAction.ACCEPT)],
        "province": [text("province", "Paghman")],
        "hazard_type": [option("hazard_type", "uxo")],
        "exploded": [option("exploded", "no")],
        "site_type": [option("site_type", "road")],
        "road_blocked": [option("road_blocked", "yes")],
        "killed": [text("killed", "0")],
        "injured": [press("injured", ReportAction.UNKNOWN)],
        "description": [text("description", "A shell lies on the road.")],
        "source_type": [option("source_type", "media")],
        "place_name": [text("place_name", "Near the bridge")],
        "location": [location("location", 34.52, 69.11)],
        "photos": [photo("photos", PHOTO_1), photo("photos", PHOTO_2), press("photos", ReportAction.DONE)],
    }
    expected = {
        "occurred_on": day,
        "province": "AF01",
        "district": "AF0102",
        "hazard_type": "uxo",
        "exploded": "no",
        "site_type": "road",
        "road_blocked": "yes",
        "killed": 0,
        "description": "A shell lies on the road.",
        "source_type": "media",
        "place_name": "Near the bridge",
        "location": {"lat": 34.52, "lon": 69.11},
        "photos": [PHOTO_1, PHOTO_2],
    }
    return Scenario(c, plan, expected, ("voice",))


def control_change() -> Scenario:
    """A tick, /skip on an optional typed question; on the summary a typed detail and the same voice
    note sent twice (stored once)."""
    c = "control_change"
    option, tick = _buttons(c)
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "0")],
        "province": [text("province", "Paghman")],
        "site_type": [option("site_type", "checkpoint")],
        "new_control": [tick("site_type", "police_hq", at="new_control"), command("new_control", "skip")],
        "fighting": [option("fighting", "yes")],
        "killed": [text("killed", "3")],
        "injured": [text("injured", "4")],
        "description": [text("description", "The district centre changed hands.")],
        "source_type": [option("source_type", "witnessed")],
        "previous_control": [text("previous_control", "Local police")],
        "voice": [voice("voice", VOICE), voice("voice", VOICE), press("voice", ReportAction.DONE)],
    }
    expected = {
        "province": "AF01",
        "district": "AF0102",
        "site_type": ["checkpoint", "police_hq"],
        "fighting": "yes",
        "killed": 3,
        "injured": 4,
        "description": "The district centre changed hands.",
        "source_type": "witnessed",
        "previous_control": "Local police",
        "voice": [VOICE],
    }
    return Scenario(c, plan, expected, ("new_control", "photos"))


def service_disruption() -> Scenario:
    """/skip on an optional number, /back to it and an answer after all; a location and a time of
    day on the summary."""
    c = "service_disruption"
    option, _tick = _buttons(c)
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "1")],
        "province": [text("province", "Paghman")],
        "service_type": [option("service_type", "school")],
        "disruption": [option("disruption", "suspended")],
        "sites_affected": [text("sites_affected", "3")],
        "people_affected": [command("people_affected", "skip"), text("people_affected", "450")],
        "reason": [command("reason", "back"), option("reason", "authorities_order")],
        "description": [text("description", "Three schools were told to close.")],
        "source_type": [option("source_type", "official")],
        "time_of_day": [option("time_of_day", "afternoon")],
        "location": [location("location", 34.5, 69.2)],
    }
    expected = {
        "province": "AF01",
        "district": "AF0102",
        "service_type": "school",
        "disruption": "suspended",
        "sites_affected": 3,
        "people_affected": 450,
        "reason": "authorities_order",
        "description": "Three schools were told to close.",
        "source_type": "official",
        "time_of_day": "afternoon",
        "location": {"lat": 34.5, "lon": 69.2},
    }
    return Scenario(c, plan, expected, ("photos", "voice"))


def displacement() -> Scenario:
    """A second place question (a province, skipped), an optional multi-choice and a tick on it
    while the description is asked; a typed detail and a photo on the summary."""
    c = "displacement"
    option, tick = _buttons(c)
    plan: Plan = {
        "occurred_on": [press("occurred_on", ReportAction.DAY, "3")],
        "province": [text("province", "Paghman")],
        "count_unit": [option("count_unit", "households")],
        "displaced": [text("displaced", "120")],
        "cause": [option("cause", "conflict")],
        "destination_province": [command("destination_province", "skip")],
        "needs": [option("needs", "food")],
        "description": [
            tick("needs", "water", at="description"),
            text("description", "Families fled the fighting."),
        ],
        "source_type": [option("source_type", "witness")],
        "destination": [text("destination", "A camp near the city")],
        "photos": [photo("photos", PHOTO_2), press("photos", ReportAction.DONE)],
    }
    expected = {
        "province": "AF01",
        "district": "AF0102",
        "count_unit": "households",
        "displaced": 120,
        "cause": "conflict",
        "needs": ["food", "water"],
        "description": "Families fled the fighting.",
        "source_type": "witness",
        "destination": "A camp near the city",
        "photos": [PHOTO_2],
    }
    return Scenario(c, plan, expected, ("destination_province",))


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    s.__name__: s
    for s in (
        other_security,
        health_attack,
        medical_supplies_loss,
        border_crossing,
        explosive_hazard,
        control_change,
        service_disruption,
        displacement,
    )
}
