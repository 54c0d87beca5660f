"""Approved reports inserted directly, for the export and web tests (intake has its own tests)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from domain.vocabulary import AuditAction, Certainty, ReportStatus
from storage.db import Database
from storage.models import Report, ReportEvent
from storage.users import UserRepository

REPORTER_ID = 987654321987
REPORTER_NAME = "Zarghuna"
SECRET_TEXT = "SECRET-WITNESS Mirwais lives behind the clinic"
_numbers = itertools.count(1)


def health_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "occurred_on": "2026-11-20",
        "time_of_day": "morning",
        "province": "AF01",
        "district": "AF0101",
        "place_name": "Qala-e-Fatullah",
        "attack_types": ["arson", "threat"],
        "resources_affected": ["facility"],
        "facility_type": "bhc",
        "facility_name": "Clinic 4",
        "services_interrupted": "yes",
        "perpetrator": "unknown",
        "killed": 2,
        "injured": "unknown",
        "description": "The clinic was set on fire at night.",
        "source_type": "witness",
        "photos": ["AgADfakefileid"],
    }
    answers.update(overrides)
    return answers


async def add_report(
    db: Database,
    *,
    category: str = "health_attack",
    answers: dict[str, Any] | None = None,
    status: str = "approved",
    occurred: date = date(2026, 11, 20),
    province: str | None = "AF01",
    district: str | None = "AF0101",
    gps: tuple[float, float] | None = None,
    killed: int | None = 2,
    injured: int | None = None,
    certainty: str | None = "confirmed",
    sensitive: Sequence[str] = (),
    reporter_id: int = REPORTER_ID,
    approved_at: datetime = datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    released: bool = False,
) -> Report:
    """An approved report; `released`: a moderator released its exact GPS point to exports."""
    n = next(_numbers)
    answers = health_answers() if answers is None else answers
    if gps is not None:
        answers = answers | {"location": {"lat": gps[0], "lon": gps[1]}}
    async with db.session() as session:
        reporter = await UserRepository(session).get_or_create(reporter_id, REPORTER_NAME)
        reporter.role = "reporter"
        report = Report(
            reference=f"R-2026-{n:06d}",
            draft_token=f"token-{n}-{datetime.now(UTC).timestamp()}",
            category=category,
            reporter_id=reporter_id,
            answers=answers,
            occurred_on=occurred,
            province_pcode=province,
            district_pcode=district,
            lat=gps[0] if gps else None,
            lon=gps[1] if gps else None,
            killed=killed,
            injured=injured,
            status=ReportStatus(status),
            certainty=None if certainty is None else Certainty(certainty),
            sensitive_fields=list(sensitive),
            approved_at=approved_at if status == "approved" else None,
        )
        session.add(report)
        await session.flush()
        if released:
            assert report.id is not None
            session.add(
                ReportEvent(report_id=report.id, action=AuditAction.LOCATION_RELEASED, at=approved_at)
            )
    return report
