"""Tables. Storage holds data and SQL only; the rules that fill these rows live in `bot/`.

Times are stored in UTC (`UTCDateTime` gives them back aware on both databases). Telegram ids are
64-bit. JSON columns hold form answers and filter lists, whose shape the forms engine owns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain import languages
from domain.vocabulary import (
    AuditAction,
    Certainty,
    DeliveryOutcome,
    OutboxKind,
    OutboxStatus,
    PromptKind,
    ReportStatus,
    SubscriptionStatus,
    UserStatus,
)
from storage.columns import UTCDateTime as UTCDateTime
from storage.columns import Vocabulary as Vocabulary
from storage.columns import utcnow as utcnow


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --- people -------------------------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int = Field(sa_type=BigInteger, primary_key=True)  # the Telegram user id
    # Only a first name, for admins' /users list; never copied into reports, digests or exports.
    first_name: str = Field(default="", max_length=64)
    role: str = Field(default="stranger", max_length=16, index=True)
    status: UserStatus = Field(default=UserStatus.ACTIVE, sa_type=Vocabulary(UserStatus))
    language: str | None = Field(default=None, max_length=8)
    wipe_after_submit: bool | None = None
    invite_id: int | None = Field(default=None, foreign_key="invites.id")
    # The last "no access" reply: strangers and the blocked get one per period (review finding 14).
    refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When an admin last took the role away: invites made before it no longer let them back in.
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invite(SQLModel, table=True):
    __tablename__ = "invites"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    max_uses: int = 1
    uses: int = 0
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InviteAttempt(SQLModel, table=True):
    """A wrong invite code; counted per user per hour for the brute-force cool-down."""

    __tablename__ = "invite_attempts"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- intake -------------------------------------------------------------------------------------


class Draft(SQLModel, table=True):
    """A report being filled in. It is the conversation state: one per user, saved on every answer."""

    __tablename__ = "drafts"

    user_id: int = Field(sa_type=BigInteger, foreign_key="users.id", primary_key=True)
    category: str | None = Field(default=None, max_length=32)
    answers: dict[str, Any] = _json()
    step: str | None = Field(default=None, max_length=64)  # field being asked, or a screen name
    state: dict[str, Any] = _json()  # engine bookkeeping: editing, paging, pending confirmations
    token: str = Field(max_length=32)  # idempotency key: one report per draft token
    version: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatMessage(SQLModel, table=True):
    """Ids (never text) of messages in a private chat, so /wipe can delete both sides."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    message_id: int = Field(sa_type=BigInteger)
    from_bot: bool = False
    report_flow: bool = False
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ReportSequence(SQLModel, table=True):
    __tablename__ = "report_sequences"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_created", "status", "created_at"),
        Index("ix_reports_district_category", "district_pcode", "category", "occurred_on"),
        Index("ix_reports_reporter_created", "reporter_id", "created_at", "id"),
        Index("ix_reports_status_id", "status", "id"),
        Index("ix_reports_status_approved", "status", "approved_at", "id"),
        Index(
            "ix_reports_search_missing",
            "id",
            postgresql_where=text("status = 'approved' AND search_text IS NULL"),
            sqlite_where=text("status = 'approved' AND search_text IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    draft_token: str = Field(max_length=32, unique=True)
    category: str = Field(max_length=32, index=True)
    reporter_id: int | None = Field(default=None, sa_type=BigInteger, foreign_key="users.id")
    # Once closed past retention, or on erasure (reporter_id cleared): an HMAC grouping their reports.
    reporter_pseudonym: str | None = Field(default=None, max_length=32)
    answers: dict[str, Any] = _json()
    language: str = Field(default=languages.SOURCE, max_length=8)
    occurred_on: date | None = None
    province_pcode: str | None = Field(default=None, max_length=8, index=True)
    district_pcode: str | None = Field(default=None, max_length=8)
    lat: float | None = None
    lon: float | None = None
    killed: int | None = None  # None is "unknown", distinct from 0
    injured: int | None = None
    status: ReportStatus = Field(default=ReportStatus.PENDING, sa_type=Vocabulary(ReportStatus))
    certainty: Certainty | None = Field(default=None, sa_type=Vocabulary(Certainty))
    urgent: bool = False
    incident_id: str | None = Field(default=None, max_length=16, index=True)  # shared by facets
    sensitive_fields: list[str] = _json_list()
    merged_into_id: int | None = Field(default=None, foreign_key="reports.id")
    corroborations: int = 0
    version: int = 0  # optimistic concurrency for moderation
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # What /search matches, for an approved report only: its distinct normalised words as readers
    # see them (`bot.search.searchable_text`), so withheld answers are not in it. Indexed by the
    # database (migration 0008: a trigram GIN index on PostgreSQL, an FTS5 table on SQLite).
    search_text: str | None = Field(default=None, sa_type=Text)


class ReportEvent(SQLModel, table=True):
    """Audit trail: one row per action on a report; rows are only ever inserted."""

    __tablename__ = "report_events"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_pseudonym: str | None = Field(default=None, max_length=32)  # see Report.reporter_pseudonym
    action: AuditAction = Field(sa_type=Vocabulary(AuditAction, 32))
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    note: str | None = Field(default=None, max_length=2000)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AdminEvent(SQLModel, table=True):
    """Audit trail for actions on users and invites."""

    __tablename__ = "admin_events"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=32)
    target: str = Field(max_length=64)
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SeenUpdate(SQLModel, table=True):
    """Update ids already handled, so a replayed update (webhook retry, restart) is not re-applied."""

    __tablename__ = "seen_updates"

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# --- moderation ---------------------------------------------------------------------------------


class PendingInput(SQLModel, table=True):
    """A typed reply the bot waits for, keyed by the prompt it answers (a ForceReply message).

    Keyed by prompt rather than by user so a restart, a second open card or an unrelated message
    never confuses whose reason, question, reference, value or answer a reply is.
    """

    __tablename__ = "pending_inputs"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    kind: PromptKind = Field(sa_type=Vocabulary(PromptKind))
    report_id: int = Field(foreign_key="reports.id", index=True)
    version: int = 0  # the report version the prompt was made for
    field: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ModeratorAlert(SQLModel, table=True):
    """Per moderator: when the last "new reports" message went out and the newest report it counted."""

    __tablename__ = "moderator_alerts"

    user_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sent_at: datetime = Field(sa_type=UTCDateTime)
    last_report_id: int = 0


# --- delivery -----------------------------------------------------------------------------------


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, foreign_key="users.id", index=True)
    frequency: str = Field(default="daily", max_length=8)  # daily | weekly
    weekday: int | None = None  # 0 = Monday, for weekly
    hour: int = 7  # local hour
    timezone: str = Field(default="Asia/Kabul", max_length=64)
    provinces: list[str] = _json_list()  # empty = all
    categories: list[str] = _json_list()  # empty = all
    min_certainty: Certainty = Field(default=Certainty.POSSIBLE, sa_type=Vocabulary(Certainty))
    send_empty: bool = False
    alerts: bool = True
    status: SubscriptionStatus = Field(
        default=SubscriptionStatus.ACTIVE, sa_type=Vocabulary(SubscriptionStatus)
    )
    last_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionDraft(SQLModel, table=True):
    """The /subscribe wizard's state, one per user, saved on every press (survives restarts)."""

    __tablename__ = "subscription_drafts"

    user_id: int = Field(sa_type=BigInteger, foreign_key="users.id", primary_key=True)
    subscription_id: int | None = Field(default=None, foreign_key="subscriptions.id")  # when editing
    step: str = Field(default="frequency", max_length=16)
    data: dict[str, Any] = _json()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Watermark(SQLModel, table=True):
    """How far a background scan has got (e.g. urgent alerts: approved_at already handled)."""

    __tablename__ = "watermarks"

    name: str = Field(primary_key=True, max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True)  # e.g. digest:<sub>:<period>:<part>
    chat_id: int = Field(sa_type=BigInteger, index=True)
    subscription_id: int | None = Field(default=None, foreign_key="subscriptions.id")
    kind: OutboxKind = Field(sa_type=Vocabulary(OutboxKind))
    text: str
    parse_mode: str | None = Field(default=None, max_length=16)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=Vocabulary(OutboxStatus))
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when status became sending
    # The sender holding the claim (its advisory lock's key, PostgreSQL); None: ended by `claimed_at`.
    claimed_by: int | None = Field(default=None, sa_type=BigInteger)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)


class Delivery(SQLModel, table=True):
    __tablename__ = "deliveries"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    outcome: DeliveryOutcome = Field(sa_type=Vocabulary(DeliveryOutcome))
    detail: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- places -------------------------------------------------------------------------------------


class Province(SQLModel, table=True):
    __tablename__ = "provinces"

    pcode: str = Field(primary_key=True, max_length=8)
    name_en: str = Field(max_length=64)
    name_prs: str = Field(max_length=64)
    name_ps: str = Field(default="", max_length=64)
    lat: float | None = None
    lon: float | None = None


class District(SQLModel, table=True):
    __tablename__ = "districts"

    pcode: str = Field(primary_key=True, max_length=8)
    province_pcode: str = Field(foreign_key="provinces.pcode", max_length=8, index=True)
    name_en: str = Field(max_length=64)
    name_prs: str = Field(max_length=64)
    name_ps: str = Field(default="", max_length=64)
    lat: float | None = None
    lon: float | None = None


class PlaceAlias(SQLModel, table=True):
    __tablename__ = "place_aliases"

    id: int | None = Field(default=None, primary_key=True)
    pcode: str = Field(max_length=8, index=True)
    alias: str = Field(max_length=64)
    lang: str = Field(max_length=4)


class BorderCrossing(SQLModel, table=True):
    __tablename__ = "border_crossings"

    code: str = Field(primary_key=True, max_length=16)
    name_en: str = Field(max_length=64)
    name_prs: str = Field(default="", max_length=64)
    name_ps: str = Field(default="", max_length=64)
    neighbour: str = Field(max_length=3)
    province_pcode: str = Field(max_length=8)
    district_pcode: str = Field(max_length=8)
    lat: float | None = None
    lon: float | None = None
    kind: str = Field(default="road", max_length=32)


ALL_TABLES = SQLModel.metadata
