"""Every closed set of values the database stores, as StrEnums: one home for each list.

The values are exactly the strings in the tables (no migration): a member compares and hashes equal
to its string, so rows written before these enums existed, and SQL literals, still match. The
user-visible wording of a status or certainty is not here but in `bot.labels`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, TypeVar

E = TypeVar("E", bound=StrEnum)


def member(enum: type[E], value: object) -> E | None:
    """The member of `enum` whose value is `value` (a string from a button, a URL or a row), else None."""
    return enum(value) if isinstance(value, str) and value in enum._value2member_map_ else None


class ReportStatus(StrEnum):
    """Where a report is in review, in the order the /metrics gauges list them."""

    PENDING = "pending"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    MERGED = "merged"

    # Set below the class (members do not exist yet inside its body).
    DECIDABLE: ClassVar[frozenset[ReportStatus]]  # a moderator may approve, reject or merge it
    EDITABLE: ClassVar[frozenset[ReportStatus]]  # a moderator may still correct its answers
    LIVE: ClassVar[frozenset[ReportStatus]]  # counts as a report others can duplicate or merge into


ReportStatus.DECIDABLE = frozenset({ReportStatus.PENDING, ReportStatus.NEEDS_INFO})
ReportStatus.EDITABLE = frozenset({ReportStatus.PENDING, ReportStatus.NEEDS_INFO, ReportStatus.APPROVED})
ReportStatus.LIVE = ReportStatus.EDITABLE


class Certainty(StrEnum):
    """How sure the moderator is, from most to least certain (the declaration order is the rank)."""

    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    POSSIBLE = "possible"

    RANKS: ClassVar[dict[str, int]]  # by value (set below the class); digests look up thousands

    @property
    def rank(self) -> int:
        """0 for the most certain; a minimum of PROBABLE admits every rank up to its own."""
        return Certainty.RANKS[self.value]

    @classmethod
    def rank_of(cls, value: str | None) -> int:
        """The rank of a stored value; a missing or unknown one counts as the least certain."""
        return cls.RANKS.get(value or "", len(cls.RANKS) - 1)

    @classmethod
    def up_to(cls, minimum: str | None) -> tuple[Certainty, ...]:
        """The certainties a minimum admits: up_to("probable") is (CONFIRMED, PROBABLE)."""
        return tuple(cls)[: cls.rank_of(minimum) + 1]


Certainty.RANKS = {member.value: rank for rank, member in enumerate(Certainty)}


class AuditAction(StrEnum):
    """`report_events.action`: what happened to a report."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"  # a question to the reporter
    INFO_ANSWERED = "info_answered"
    MERGED = "merged"
    CORROBORATED = "corroborated"  # the target of a merge
    EDITED = "edited"
    SENSITIVE = "sensitive"
    LOCATION_RELEASED = "location_released"  # exports may carry the exact point (finding 6)


class PromptKind(StrEnum):
    """`pending_inputs.kind`: which typed reply a ForceReply prompt waits for."""

    REJECT = "reject"  # a moderator's reason
    QUESTION = "question"  # a moderator's question to the reporter
    DUPLICATE = "duplicate"  # the reference a report duplicates
    EDIT = "edit"  # a corrected answer
    ANSWER = "answer"  # the reporter's answer to a question


class OutboxKind(StrEnum):
    """`outbox.kind`: what a queued message is."""

    DIGEST = "digest"
    ALERT = "alert"
    NOTICE = "notice"

    @property
    def protected(self) -> bool:
        """Report content for coordinators: sent so Telegram will not forward or save it."""
        return self in (OutboxKind.DIGEST, OutboxKind.ALERT)


class OutboxStatus(StrEnum):
    """`outbox.status`: pending → sending → sent or failed (or back to pending to retry)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    QUEUED: ClassVar[frozenset[OutboxStatus]]  # not yet delivered nor given up


OutboxStatus.QUEUED = frozenset({OutboxStatus.PENDING, OutboxStatus.SENDING})


class DeliveryOutcome(StrEnum):
    """`deliveries.outcome`: what one attempt to send an outbox row gave."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"
    BLOCKED = "blocked"
    BAD_REQUEST = "bad_request"
    NETWORK = "network"
    WITHHELD = "withheld"  # not sent: the recipient was blocked or lost their role after it was queued


class SubscriptionStatus(StrEnum):
    """`subscriptions.status`."""

    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"  # kept: outbox rows and deliveries refer to it

    LISTED: ClassVar[frozenset[SubscriptionStatus]]  # what its owner still sees in /subscriptions


SubscriptionStatus.LISTED = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED})


class UserStatus(StrEnum):
    """`users.status`."""

    ACTIVE = "active"
    BLOCKED = "blocked"
