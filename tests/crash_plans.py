"""What the crash-restart tests' reporter means to send, question by question, and the report that
must come out of it whatever crashes: one plan per category, covering every kind of input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.forms.actions import ReportAction
from bot.forms.engine import get_form
from tests.crash_person import Plan, command, location, photo, press, text, voice

PHOTO_1 = b"\xff\xd8\xff\xe0crash-test-photo-one\xff\xd9"
PHOTO_2 = b"\xff\xd8\xff\xe0crash-test-photo-two\xff\xd9"
VOICE = b"OggS crash-test voice note"


def _opt(category: str, f: str, code: str) -> str:
    return str([c.code for c in get_form(category).field(f).choices].index(code))


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

    def option(f: str, code: str) -> Any:
        return press(f, ReportAction.OPTION, _opt(c, f, code))

    def tick(f: str, code: str, at: str) -> Any:
        return press(f, ReportAction.TOGGLE, _opt(c, f, code), at=at)

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


SCENARIOS = {"other_security": other_security, "health_attack": health_attack}
