"""Sample screens for the translation preview: what a reporter, a moderator and a coordinator read,
rendered by the bot's own code in each language, so a reviewer reads words in the place they appear
("approved" next to "confirmed" on one card) rather than one by one.

No database and no Telegram: sample reports and a subscription, built in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from bot import labels
from bot.digests import render_alert, render_digest
from bot.forms.engine import field_title, get_form, summary_lines
from bot.i18n import _, pgettext
from bot.localize import isolate
from bot.moderation import Card
from bot.runtime.context import KhabarContext
from domain.vocabulary import Certainty, ReportStatus
from handlers.moderation.views import card_text
from handlers.subscriptions import describe
from storage.models import Report, Subscription

START = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
END = START + timedelta(days=1)

# A sample of each kind of fact: casualties asked (one unknown), a crossing, and a category that
# never asks about casualties (its digest entry must not say "Killed: unknown").
SAMPLES: list[dict[str, Any]] = [
    {
        "category": "explosive_hazard",
        "province_pcode": "AF12",
        "district_pcode": "AF1209",
        "answers": {
            "occurred_on": "2026-11-22",
            "time_of_day": "morning",
            "province": "AF12",
            "district": "AF1209",
            "place_name": "بازار",
            "hazard_type": "ied",
            "exploded": "yes",
            "site_type": "road",
            "road_blocked": "yes",
            "killed": 2,
            "injured": "unknown",
            "description": "…",
            "source_type": "witness",
        },
        "killed": 2,
        "injured": None,
        "certainty": "confirmed",
        "corroborations": 1,
    },
    {
        "category": "border_crossing",
        "province_pcode": "AF06",
        "district_pcode": None,
        "answers": {"crossing": "BCP-PAK-TKH", "status": "closed", "people_crossing": 1500, "killed": 0},
        "killed": 0,
        "certainty": "probable",
    },
    {
        "category": "displacement",
        "province_pcode": "AF17",
        "district_pcode": None,
        "answers": {"count_unit": "households", "displaced": 120, "cause": "conflict"},
        "certainty": "possible",
    },
]


def sample_reports() -> list[Report]:
    reports = []
    for n, values in enumerate(SAMPLES, start=1):
        report = Report(
            id=n,
            reference=f"R-2026-{n:06d}",
            draft_token=f"preview{n}",
            status=ReportStatus.APPROVED,
            occurred_on=date(2026, 11, 22),
            created_at=START,
            approved_at=START + timedelta(hours=n),
            **values,
        )
        reports.append(report)
    return reports


def _buttons(labels: list[str]) -> str:
    return " ".join(f"[{label}]" for label in labels)


def report_summary() -> str:
    report = sample_reports()[0]
    form = get_form(report.category)
    return "\n".join(
        [
            _("Please check your report before sending it."),
            *summary_lines(report.category, report.answers),
            "",
            _buttons(["✏️ " + field_title(f) for f in form.fields] + [_("✅ Submit")]),
        ]
    )


def moderation_card() -> str:
    report = sample_reports()[0]
    report.status = ReportStatus.PENDING
    stand_in = SimpleNamespace(services=SimpleNamespace(settings=SimpleNamespace(tz=ZoneInfo("Asia/Kabul"))))
    buttons = [_("Approve"), _("Reject"), _("Ask the reporter"), _("Duplicate of"), _("Edit an answer")]
    buttons += [_("Hide sensitive answers"), pgettext("moderation", "Skip")]
    return card_text(cast(KhabarContext, stand_in), Card(report, [])) + "\n\n" + _buttons(buttons)


def moderation_decision() -> str:
    ref = isolate("R-2026-000001")
    certainty = _(labels.CERTAINTY[Certainty.PROBABLE])
    return "\n\n".join(
        [
            _("Approve report {ref}. How certain is it?").format(ref=ref),
            _buttons([_(labels.CERTAINTY[c]) for c in labels.CERTAINTY]),
            _("Approve report {ref}. Certainty: {certainty}. Is it urgent?").format(
                ref=ref, certainty=certainty
            ),
            _("Report {ref} approved as urgent. Certainty: {certainty}.").format(
                ref=ref, certainty=certainty
            ),
            _("Thank you. Your report {ref} was approved and will be shared with coordinators.").format(
                ref=ref
            ),
        ]
    )


def _subscription() -> Subscription:
    return Subscription(
        id=3,
        user_id=1,
        frequency="weekly",
        weekday=5,
        hour=7,
        provinces=["AF06", "AF12", "AF17"],
        min_certainty=Certainty.POSSIBLE,
        alerts=True,
    )


def digest() -> str:
    return "\n\n".join(render_digest(_subscription(), START, END, sample_reports(), [], force=True))


def digest_cut() -> str:
    """The end of a digest past its message limit: its last report listed, then the count of the rest."""
    many = []
    for copy in range(40):
        for report in sample_reports():
            assert report.id is not None
            report.id += 100 * copy
            report.reference = f"R-2026-{report.id:06d}"
            many.append(report)
    parts = render_digest(_subscription(), START, END, many, [], force=True, max_parts=1)
    return "…\n\n" + "\n\n".join(parts[-1].split("\n\n")[-2:])


def urgent_alert() -> str:
    return render_alert(sample_reports()[0])


def subscription_summary() -> str:
    return _("Subscription saved.") + "\n\n" + describe(_subscription())


SCREENS: dict[str, Callable[[], str]] = {
    "Report summary, before sending (reporter)": report_summary,
    "Moderation card (moderator)": moderation_card,
    "Approving a report, and the reporter's notice (moderator, reporter)": moderation_decision,
    "Digest (coordinator)": digest,
    "The end of a digest past its message limit (coordinator)": digest_cut,
    "Urgent alert (coordinator)": urgent_alert,
    "Subscription summary (coordinator)": subscription_summary,
}
