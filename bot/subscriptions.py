"""Subscriptions: the /subscribe wizard's rules, the schedule arithmetic and the owner's actions.

No Telegram here: the handler turns presses into `choose(...)` calls and renders what comes back.
A schedule is a local wall-clock time (daily at `hour`, or weekly on `weekday` at `hour`) in the
subscription's time zone; periods end on those boundaries and are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine as forms_engine
from bot.i18n import N_
from bot.roles import Role
from domain.vocabulary import Certainty, SubscriptionStatus, member
from storage.models import Subscription as Subscription
from storage.models import SubscriptionDraft as SubscriptionDraft
from storage.models import utcnow as utcnow
from storage.subscriptions import AnySubscription, SubscriptionRepository

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
# The Afghan week starts on Saturday; the weekday buttons follow it.
WEEK_ORDER = (5, 6, 0, 1, 2, 3, 4)
SUBSCRIBER_ROLES = tuple(r.value for r in Role if r.at_least(Role.COORDINATOR))
STEPS = ("frequency", "weekday", "hour", "provinces", "categories", "certainty", "empty", "alerts")


class WizardAction(StrEnum):
    """A press in the /subscribe wizard (the handler's buttons carry these)."""

    FREQUENCY = "f"  # value: "d" daily or "w" weekly
    WEEKDAY = "wd"  # value: 0-6
    HOUR = "h"  # value: 0-23
    PROVINCE = "p"  # tick or untick one (value: its P-code)
    PROVINCE_PAGE = "pp"  # value: page number
    ALL_PROVINCES = "pa"
    PROVINCES_DONE = "pd"
    CATEGORY = "c"  # tick or untick one (value: its code)
    ALL_CATEGORIES = "ca"
    CATEGORIES_DONE = "cd"
    MIN_CERTAINTY = "m"  # value: a certainty
    SEND_EMPTY = "e"  # value: "1" or "0"
    ALERTS = "a"  # value: "1" or "0"
    CANCEL = "x"


class ManageAction(StrEnum):
    """A button under one of the owner's subscriptions."""

    EDIT = "edit"
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "del"  # ask to confirm
    CONFIRM_DELETE = "delok"
    KEEP = "keep"


def categories() -> tuple[tuple[str, str], ...]:
    """(code, title msgid) of every report category, in the forms' order (from the forms engine)."""
    return tuple((form.code, form.title) for form in forms_engine.categories())


def matcher(sub: AnySubscription) -> Callable[[str, str | None, str | None], bool]:
    """The subscription's filters as a predicate on (category, province, certainty); empty province
    or category lists mean all. Built once per subscription: it runs for every report of a period."""
    categories_, provinces = frozenset(sub.categories), frozenset(sub.provinces)
    # A report without a certainty counts as the least certain (`Certainty.rank_of`); digests apply
    # the same ranks through their index (`bot.digest_period`).
    minimum = Certainty.rank_of(sub.min_certainty)

    def match(category: str, province: str | None, certainty: str | None) -> bool:
        return (
            (not categories_ or category in categories_)
            and (not provinces or province in provinces)
            and Certainty.rank_of(certainty) <= minimum
        )

    return match


def matches(sub: AnySubscription, category: str, province: str | None, certainty: str | None) -> bool:
    """Whether a report passes the subscription's filters."""
    return matcher(sub)(category, province, certainty)


# --- schedule --------------------------------------------------------------------------------------


def _boundary(day: date, sub: AnySubscription) -> datetime:
    return datetime.combine(day, time(sub.hour), tzinfo=ZoneInfo(sub.timezone)).astimezone(UTC)


def latest_boundary(sub: AnySubscription, now: datetime) -> datetime:
    """The last scheduled period end at or before `now`."""
    day = now.astimezone(ZoneInfo(sub.timezone)).date()
    step = 1
    if sub.frequency == "weekly":
        day -= timedelta(days=(day.weekday() - (sub.weekday or 0)) % 7)
        step = 7
    boundary = _boundary(day, sub)
    return boundary if boundary <= now else _boundary(day - timedelta(days=step), sub)


def next_boundary(sub: AnySubscription, after: datetime) -> datetime:
    """The first scheduled period end strictly after `after`."""
    day = after.astimezone(ZoneInfo(sub.timezone)).date()
    step = 1
    if sub.frequency == "weekly":
        day += timedelta(days=((sub.weekday or 0) - day.weekday()) % 7)
        step = 7
    boundary = _boundary(day, sub)
    return boundary if boundary > after else _boundary(day + timedelta(days=step), sub)


def due_period(sub: AnySubscription, now: datetime) -> tuple[datetime, datetime] | None:
    """The period [start, end) to send now, or None when nothing is due.

    Catch-up after downtime is ONE combined digest from `last_period_end` to the latest boundary,
    not one digest per missed period: after an outage the subscriber gets a single, complete
    summary instead of a burst of stale digests (which would also multiply the time the sender
    needs under Telegram's 30 messages a second). Nothing is lost, since the combined period covers
    every missed one, and its header shows the whole span.
    """
    if sub.last_period_end is None or next_boundary(sub, sub.last_period_end) > now:
        return None
    return sub.last_period_end, latest_boundary(sub, now)


# --- the wizard ------------------------------------------------------------------------------------


@dataclass
class Choice:
    """What a press led to: the draft's next step, the saved subscription, or a refusal."""

    draft: SubscriptionDraft | None = None
    saved: Subscription | None = None
    created: bool = False
    stale: bool = False
    ended: bool = False  # stale: the wizard's last press, with no wizard left (saved, its reply lost)


def _data_of(sub: Subscription | None) -> dict[str, object]:
    if sub is None:
        return {"provinces": [], "categories": [], "page": 0}
    return {
        "frequency": sub.frequency,
        "weekday": sub.weekday,
        "hour": sub.hour,
        "provinces": list(sub.provinces),
        "categories": list(sub.categories),
        "min_certainty": sub.min_certainty,
        "send_empty": sub.send_empty,
        "alerts": sub.alerts,
        "page": 0,
    }


async def start_wizard(
    session: AsyncSession, user_id: int, subscription_id: int | None = None
) -> SubscriptionDraft | None:
    """A fresh draft (or one prefilled from the user's own subscription to edit); None if not theirs."""
    repo = SubscriptionRepository(session)
    sub = None
    if subscription_id is not None:
        sub = await repo.get(subscription_id)
        if sub is None or sub.user_id != user_id or sub.status == SubscriptionStatus.DELETED:
            return None
    draft = SubscriptionDraft(user_id=user_id, subscription_id=subscription_id, data=_data_of(sub))
    await repo.save_draft(draft)
    return draft


async def current_draft(session: AsyncSession, user_id: int) -> SubscriptionDraft | None:
    return await SubscriptionRepository(session).draft(user_id)


async def cancel_wizard(session: AsyncSession, user_id: int) -> bool:
    return await SubscriptionRepository(session).delete_draft(user_id)


def _tick(values: list[str], value: str) -> list[str]:
    """A press ticks `code` or unticks `-code`, as its button showed: pressed twice (a double tap,
    a press sent again after a restart swallowed the reply) it does that once, never flips back."""
    code = value.removeprefix("-")
    rest = [v for v in values if v != code]
    return rest if value.startswith("-") else [*rest, code]


_A = WizardAction
# The step each press belongs to, as `_advance` takes them.
_STEP_OF: dict[str, str] = {
    _A.FREQUENCY: "frequency",
    _A.WEEKDAY: "weekday",
    _A.HOUR: "hour",
    **dict.fromkeys((_A.PROVINCE, _A.PROVINCE_PAGE, _A.ALL_PROVINCES, _A.PROVINCES_DONE), "provinces"),
    **dict.fromkeys((_A.CATEGORY, _A.ALL_CATEGORIES, _A.CATEGORIES_DONE), "categories"),
    _A.MIN_CERTAINTY: "certainty",
    _A.SEND_EMPTY: "empty",
    _A.ALERTS: "alerts",
}


def _rank(step: str | None) -> int:
    return STEPS.index(step) if step in STEPS else len(STEPS)


def _advance(draft: SubscriptionDraft, action: str, value: str, valid_provinces: set[str]) -> bool:
    """Apply one press to the draft; False if the press does not fit the draft's current step."""
    data, step = draft.data, draft.step
    if step == "frequency" and action == "f" and value in ("d", "w"):
        data["frequency"] = "daily" if value == "d" else "weekly"
        if value == "d":
            data["weekday"] = None
        draft.step = "weekday" if value == "w" else "hour"
    elif step == "weekday" and action == "wd" and value.isascii() and value.isdigit() and int(value) < 7:
        data["weekday"] = int(value)
        draft.step = "hour"
    elif step == "hour" and action == "h" and value.isascii() and value.isdigit() and int(value) < 24:
        data["hour"] = int(value)
        draft.step = "provinces"
    elif step == "provinces" and action == "p" and value.removeprefix("-") in valid_provinces:
        data["provinces"] = _tick(list(data.get("provinces") or []), value)
    elif step == "provinces" and action == "pp" and value.isascii() and value.isdigit():
        data["page"] = int(value)
    elif step == "provinces" and action in ("pa", "pd"):
        if action == "pa":
            data["provinces"] = []
        draft.step = "categories"
    elif step == "categories" and action == "c" and value.removeprefix("-") in dict(categories()):
        data["categories"] = _tick(list(data.get("categories") or []), value)
    elif step == "categories" and action in ("ca", "cd"):
        if action == "ca":
            data["categories"] = []
        draft.step = "certainty"
    elif step == "certainty" and action == "m" and member(Certainty, value) is not None:
        data["min_certainty"] = value
        draft.step = "empty"
    elif step == "empty" and action == "e" and value in ("0", "1"):
        data["send_empty"] = value == "1"
        draft.step = "alerts"
    elif step == "alerts" and action == "a" and value in ("0", "1"):
        data["alerts"] = value == "1"
        draft.step = "done"
    else:
        return False
    return True


async def choose(
    session: AsyncSession,
    user_id: int,
    action: str,
    value: str,
    *,
    now: datetime,
    timezone: str,
    valid_provinces: set[str],
) -> Choice:
    """Apply a wizard press. The last press saves the subscription and drops the draft in one
    transaction, so a double press or a replayed update saves once (the second finds no draft: the
    wizard has `ended`). A press of an earlier step (sent again after a restart swallowed its
    reply) changes nothing and shows the step the draft is at; any other misfit is stale."""
    repo = SubscriptionRepository(session)
    draft = await repo.draft(user_id)
    if draft is None:
        return Choice(stale=True, ended=_STEP_OF.get(action) == STEPS[-1])
    if not _advance(draft, action, value, valid_provinces):
        earlier = _rank(_STEP_OF.get(action)) < _rank(draft.step)
        return Choice(draft=draft) if earlier else Choice(stale=True)
    if draft.step != "done":
        await repo.save_draft(draft)
        return Choice(draft=draft)
    data = draft.data
    sub = await repo.get(draft.subscription_id) if draft.subscription_id else None
    created = sub is None or sub.user_id != user_id or sub.status == SubscriptionStatus.DELETED
    if created:
        sub = Subscription(user_id=user_id, timezone=timezone)
    assert sub is not None
    sub.frequency = str(data["frequency"])
    sub.weekday = data.get("weekday") if sub.frequency == "weekly" else None
    sub.hour = int(data["hour"])
    sub.provinces = sorted(data.get("provinces") or [])
    sub.categories = sorted(data.get("categories") or [])
    sub.min_certainty = Certainty(data["min_certainty"])
    sub.send_empty = bool(data["send_empty"])
    sub.alerts = bool(data["alerts"])
    if created:
        # The first digest covers from the last boundary before subscribing; never the past.
        sub.last_period_end = latest_boundary(sub, now)
    await repo.save(sub)
    await repo.delete_draft(user_id)
    return Choice(saved=sub, created=created)


# --- the owner's actions ---------------------------------------------------------------------------


async def list_for(session: AsyncSession, user_id: int) -> list[Subscription]:
    return await SubscriptionRepository(session).for_user(user_id)


async def digest_now_targets(session: AsyncSession) -> list[Subscription]:
    """Every subscription `/digest_now <number>` can send now (an admin's list): the active ones of
    active coordinators and above, as the digest job sends them."""
    return await SubscriptionRepository(session).active(SUBSCRIBER_ROLES)


async def change_status(
    session: AsyncSession, user_id: int, subscription_id: int, action: str, now: datetime
) -> Subscription | None:
    """Pause, resume or delete the user's own subscription; None when it is not theirs (or gone).

    Resuming restarts the schedule from the last boundary: a paused subscription gets no backlog.
    Deleting keeps the row (outbox rows and deliveries refer to it) with status "deleted".
    """
    repo = SubscriptionRepository(session)
    sub = await repo.get(subscription_id)
    if sub is None or sub.user_id != user_id or sub.status == SubscriptionStatus.DELETED:
        return None
    if action == "pause":
        sub.status = SubscriptionStatus.PAUSED
    elif action == "resume":
        if sub.status != SubscriptionStatus.ACTIVE:
            sub.last_period_end = latest_boundary(sub, now)
        sub.status = SubscriptionStatus.ACTIVE
    elif action == "delete":
        sub.status = SubscriptionStatus.DELETED
        await repo.cancel_pending(subscription_id, "subscription deleted")
    else:
        return None
    await repo.save(sub)
    return sub
