"""What people read for each value of a closed set (domain.vocabulary): one map per audience.

Keys are enum members (typed as plain strings, which they are, so a value read from a row or a
button looks up the same). The maps hold gettext markers (`N_`); translate at the point of use.
Reporters and moderators see a report's status in different words on purpose: a reporter is told what happens
next, a moderator what state the card is in.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import N_, _
from domain.vocabulary import AuditAction, Certainty, ReportStatus, SubscriptionStatus

# A report's status as its reporter reads it in /myreports.
REPORTER_STATUS: Mapping[str, str] = {
    ReportStatus.PENDING: N_("waiting for review"),
    ReportStatus.NEEDS_INFO: N_("more information requested"),
    ReportStatus.APPROVED: N_("approved"),
    ReportStatus.REJECTED: N_("not approved"),
    ReportStatus.MERGED: N_("merged with another report"),
}

# A report's status as a moderator reads it on a card or in its history.
MODERATOR_STATUS: Mapping[str, str] = {
    ReportStatus.PENDING: N_("pending review"),
    ReportStatus.NEEDS_INFO: N_("waiting for the reporter's answer"),
    ReportStatus.APPROVED: N_("approved"),
    ReportStatus.REJECTED: N_("rejected"),
    ReportStatus.MERGED: N_("merged into another report"),
}

# What a moderator is told once their decision went through, keyed by the status it led to.
DECISION_DONE: Mapping[str, str] = {
    ReportStatus.REJECTED: N_("Report {ref} rejected. The reporter was told the reason."),
    ReportStatus.NEEDS_INFO: N_("Your question about report {ref} was sent to the reporter."),
    ReportStatus.MERGED: N_("Report {ref} was merged as a duplicate."),
}
DECISION_DONE_OTHER = N_("Report {ref} updated.")

CERTAINTY: Mapping[str, str] = {
    Certainty.CONFIRMED: N_("Confirmed"),
    Certainty.PROBABLE: N_("Probable"),
    Certainty.POSSIBLE: N_("Possible"),
}

# A subscription's minimum certainty: what it admits, not the certainty itself.
MIN_CERTAINTY: Mapping[str, str] = {
    Certainty.CONFIRMED: N_("Confirmed only"),
    Certainty.PROBABLE: N_("Confirmed and probable"),
    Certainty.POSSIBLE: N_("All: confirmed, probable and possible"),
}

# One line of a report's history on the moderator's card.
AUDIT_ACTION: Mapping[str, str] = {
    AuditAction.SUBMITTED: N_("submitted"),
    AuditAction.APPROVED: N_("approved"),
    AuditAction.REJECTED: N_("rejected"),
    AuditAction.NEEDS_INFO: N_("question to the reporter"),
    AuditAction.INFO_ANSWERED: N_("reporter answered"),
    AuditAction.MERGED: N_("merged as a duplicate"),
    AuditAction.CORROBORATED: N_("corroborated by a duplicate"),
    AuditAction.EDITED: N_("answer edited"),
    AuditAction.SENSITIVE: N_("sensitive answers changed"),
}

SUBSCRIPTION_STATUS: Mapping[str, str] = {
    SubscriptionStatus.ACTIVE: N_("active"),
    SubscriptionStatus.PAUSED: N_("paused"),
}


def label(labels: Mapping[str, str], value: str | None, default: str | None = None) -> str:
    """The translated label of `value` in `labels`; `default` (or the raw value) when it has none."""
    marker = labels.get(value) if value is not None else None
    if marker is not None:
        return _(marker)
    return default if default is not None else value or ""
