"""/subscribe, /subscriptions and /digest_now; the digest tick and the outbox sender jobs.

The wizard is buttons only; its state is a database draft (`bot.subscriptions`), so a restart in the
middle loses nothing and a stale or forged button is refused by the service, not trusted here.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import subscriptions as service
from bot.context import KhabarApp, KhabarContext
from bot.digests import filters_text
from bot.i18n import _, ngettext
from bot.localize import format_number, format_zone, local_digits, parse_int
from bot.places import load_places
from bot.roles import Role
from bot.scheduler import due_digests, scan_alerts, send_now
from bot.sender import Sender, run_until_stopped
from handlers.common import answer, edit_or_send, requires, send
from storage.models import Subscription, SubscriptionDraft, utcnow

log = logging.getLogger(__name__)

DIGEST_TICK_SECONDS = 30
ALERT_TICK_SECONDS = 5
PROVINCES_PER_PAGE = 10

Button = InlineKeyboardButton


def _rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _hour(hour: int) -> str:
    return local_digits(f"{hour:02d}:00")


def schedule_text(sub: Subscription) -> str:
    if sub.frequency == "weekly":
        return _("Weekly on {weekday} at {time} ({zone})").format(
            weekday=_(service.WEEKDAYS[sub.weekday or 0]),
            time=_hour(sub.hour),
            zone=format_zone(sub.timezone),
        )
    return _("Daily at {time} ({zone})").format(time=_hour(sub.hour), zone=format_zone(sub.timezone))


def describe(sub: Subscription) -> str:
    yes, no = _("yes"), _("no")
    return "\n".join(
        [
            schedule_text(sub),
            filters_text(sub),
            _("Digests when nothing is new: {empty}").format(empty=yes if sub.send_empty else no),
            _("Urgent alerts: {alerts}").format(alerts=yes if sub.alerts else no),
        ]
    )


# --- the wizard ------------------------------------------------------------------------------------


def _tick(code: str, chosen: set[str]) -> str:
    return f"-{code}" if code in chosen else code


def _ticked(code: str, chosen: set[str]) -> str:
    return "✓ " if code in chosen else ""


def _step_view(draft: SubscriptionDraft, timezone: str) -> tuple[str, list[list[Button]]]:
    data, step = draft.data, draft.step
    if step == "frequency":
        text = _("How often do you want the digest?")
        rows = [[Button(_("Daily"), callback_data="sub:f:d"), Button(_("Weekly"), callback_data="sub:f:w")]]
    elif step == "weekday":
        text = _("On which day of the week?")
        rows = _rows(
            [Button(_(service.WEEKDAYS[d]), callback_data=f"sub:wd:{d}") for d in service.WEEK_ORDER], 4
        )
    elif step == "hour":
        text = _("At what time? (local time, {zone})").format(zone=format_zone(timezone))
        rows = _rows([Button(_hour(h), callback_data=f"sub:h:{h}") for h in range(24)], 6)
    elif step == "provinces":
        text, rows = _provinces_view(data)
    elif step == "categories":
        chosen = set(data.get("categories") or [])
        text = _("Which categories? Tap to select one or more, then press Done.")
        rows = [
            # A ticked button unticks ("-code"), an unticked one ticks: never a flip.
            [Button(_ticked(code, chosen) + _(title), callback_data=f"sub:c:{_tick(code, chosen)}")]
            for code, title in service.categories()
        ]
        rows.append(
            [Button(_("All categories"), callback_data="sub:ca:"), Button(_("Done"), callback_data="sub:cd:")]
        )
    elif step == "certainty":
        text = _("Which reports should the digest include, by certainty?")
        rows = [
            [Button(_(service.MIN_CERTAINTY_LABELS[c]), callback_data=f"sub:m:{c}")]
            for c in service.CERTAINTIES
        ]
    elif step == "empty":
        text = _("Send the digest also when there is nothing new?")
        rows = [[Button(_("Yes"), callback_data="sub:e:1"), Button(_("No"), callback_data="sub:e:0")]]
    else:
        text = _("Send urgent reports to you at once, as alerts?")
        rows = [[Button(_("Yes"), callback_data="sub:a:1"), Button(_("No"), callback_data="sub:a:0")]]
    rows.append([Button(_("Cancel"), callback_data="sub:x:")])
    return text, rows


def _provinces_view(data: dict[str, object]) -> tuple[str, list[list[Button]]]:
    from bot.places import places

    chosen = set(data.get("provinces") or [])  # type: ignore[call-overload]
    provinces = places().province_list()
    pages = max(1, -(-len(provinces) // PROVINCES_PER_PAGE))
    page = min(int(data.get("page") or 0), pages - 1)  # type: ignore[call-overload]
    shown = provinces[page * PROVINCES_PER_PAGE : (page + 1) * PROVINCES_PER_PAGE]
    text = _("Which provinces? Tap to select one or more, then press Done. Selected: {count}").format(
        count=format_number(len(chosen))
    )
    rows = _rows(
        [
            Button(
                _ticked(p.pcode, chosen) + p.name(),
                callback_data=f"sub:p:{_tick(p.pcode, chosen)}",
            )
            for p in shown
        ],
        2,
    )
    nav = []
    if page > 0:
        nav.append(Button("◀", callback_data=f"sub:pp:{page - 1}"))
    nav.append(
        Button(
            _("Page {page} of {pages}").format(page=format_number(page + 1), pages=format_number(pages)),
            callback_data=f"sub:pp:{page}",
        )
    )
    if page < pages - 1:
        nav.append(Button("▶", callback_data=f"sub:pp:{page + 1}"))
    rows.append(nav)
    rows.append(
        [Button(_("All provinces"), callback_data="sub:pa:"), Button(_("Done"), callback_data="sub:pd:")]
    )
    return text, rows


async def _show_step(update: Update, context: KhabarContext, draft: SubscriptionDraft, *, new: bool) -> None:
    text, rows = _step_view(draft, context.services.settings.timezone)
    if new:
        await send(update, context, text, InlineKeyboardMarkup(rows))
    else:
        await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


@requires(Role.COORDINATOR)
async def subscribe(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    await load_places(context.services.db)
    draft = await service.start_wizard(context.services.db, context.account.id)
    assert draft is not None
    await _show_step(update, context, draft, new=True)


@requires(Role.COORDINATOR)
async def wizard_press(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    parts = (query.data or "").split(":")
    if len(parts) != 3:
        await _stale(update)
        return
    _prefix, action, value = parts
    db = context.services.db
    if action == "x":
        await service.cancel_wizard(db, context.account.id)
        await answer(update)
        await edit_or_send(
            update, context, _("Cancelled. Nothing was saved. Send /subscribe to start again.")
        )
        return
    gaz = await load_places(db)
    choice = await service.choose(
        db,
        context.account.id,
        action,
        value,
        now=utcnow(),
        timezone=context.services.settings.timezone,
        valid_provinces=set(gaz.provinces),
    )
    if choice.stale:
        await _stale(update)
        return
    await answer(update)
    if choice.draft is not None:
        await _show_step(update, context, choice.draft, new=False)
        return
    assert choice.saved is not None
    title = _("Subscription saved.") if choice.created else _("Subscription updated.")
    await edit_or_send(update, context, title + "\n\n" + describe(choice.saved))


async def _stale(update: Update) -> None:
    await answer(update, _("This button is no longer valid. Send /subscribe to start again."), alert=True)


# --- the list and its buttons ----------------------------------------------------------------------


def _manage_buttons(sub: Subscription) -> InlineKeyboardMarkup:
    toggle = (
        Button(_("Pause"), callback_data=f"sub:pause:{sub.id}")
        if sub.status == "active"
        else Button(_("Resume"), callback_data=f"sub:resume:{sub.id}")
    )
    return InlineKeyboardMarkup(
        [
            [
                Button(_("Edit"), callback_data=f"sub:edit:{sub.id}"),
                toggle,
                Button(_("Delete"), callback_data=f"sub:del:{sub.id}"),
            ]
        ]
    )


def _card(sub: Subscription) -> str:
    status = _("active") if sub.status == "active" else _("paused")
    number = "#" + format_number(sub.id or 0)
    head = _("Subscription {number} ({status})").format(number=number, status=status)
    return head + "\n" + describe(sub)


@requires(Role.COORDINATOR)
async def list_subscriptions(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    await load_places(context.services.db)
    subs = await service.list_for(context.services.db, context.account.id)
    if not subs:
        await send(update, context, _("You have no subscriptions. Send /subscribe to create one."))
        return
    for sub in subs:
        await send(update, context, _card(sub), _manage_buttons(sub))


@requires(Role.COORDINATOR)
async def manage_press(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    _prefix, action, raw = (query.data or "::").split(":", 2)
    sub_id = parse_int(raw)
    db, user_id = context.services.db, context.account.id
    await load_places(db)
    if sub_id is None:
        await _stale(update)
        return
    if action == "edit":
        draft = await service.start_wizard(db, user_id, sub_id)
        if draft is None:
            await _stale(update)
            return
        await answer(update)
        await _show_step(update, context, draft, new=True)
        return
    if action == "del":
        owned = [s for s in await service.list_for(db, user_id) if s.id == sub_id]
        if not owned:
            await _stale(update)
            return
        await answer(update)
        confirm = InlineKeyboardMarkup(
            [
                [
                    Button(_("Yes, delete"), callback_data=f"sub:delok:{sub_id}"),
                    Button(_("Keep"), callback_data=f"sub:keep:{sub_id}"),
                ]
            ]
        )
        await edit_or_send(
            update, context, _card(owned[0]) + "\n\n" + _("Delete this subscription?"), confirm
        )
        return
    status_action = {"pause": "pause", "resume": "resume", "delok": "delete", "keep": "keep"}.get(action)
    if status_action is None:
        await _stale(update)
        return
    if status_action == "keep":
        owned = [s for s in await service.list_for(db, user_id) if s.id == sub_id]
        if not owned:
            await _stale(update)
            return
        await answer(update)
        await edit_or_send(update, context, _card(owned[0]), _manage_buttons(owned[0]))
        return
    sub = await service.change_status(db, user_id, sub_id, status_action, utcnow())
    if sub is None:
        await _stale(update)
        return
    await answer(update)
    if sub.status == "deleted":
        await edit_or_send(update, context, _("Subscription deleted."))
    else:
        await edit_or_send(update, context, _card(sub), _manage_buttons(sub))


# --- digest now ------------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def digest_now(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    db = context.services.db
    args = context.args or []
    if args:
        sub_id = parse_int(args[0])
        if sub_id is None or len(args) > 1:
            await send(
                update, context, _("Send /digest_now, or /digest_now followed by a subscription number.")
            )
            return
        result = await send_now(db, utcnow(), subscription_ids=[sub_id])
        if not result.digests:
            await send(update, context, _("There is no active subscription with that number."))
            return
    else:
        result = await send_now(db, utcnow(), user_id=context.account.id)
        if not result.digests:
            await send(
                update,
                context,
                _(
                    "You have no active subscriptions. Send /subscribe, "
                    "or /digest_now followed by a subscription number."
                ),
            )
            return
    await send(
        update,
        context,
        ngettext(
            "Digest queued: {count} message, sent within moments.",
            "Digest queued: {count} messages, sent within moments.",
            result.messages,
        ).format(count=format_number(result.messages)),
    )


# --- background jobs -------------------------------------------------------------------------------


async def digest_tick(context: KhabarContext) -> None:
    await due_digests(context.services.db, utcnow())


async def alert_tick(context: KhabarContext) -> None:
    await scan_alerts(context.services.db, utcnow())


async def sender_job(context: KhabarContext) -> None:
    """Runs for the application's lifetime; returns when the application stops (Application.stop
    clears `running` before waiting for jobs, so shutdown waits for in-flight sends, no longer)."""
    services, app = context.services, context.application
    sender = Sender(services.db, context.bot, rate=services.settings.send_rate, budget=services.budget)
    await run_until_stopped(sender, lambda: app.running)


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("subscriptions", list_subscriptions))
    app.add_handler(CommandHandler("digest_now", digest_now))
    app.add_handler(CallbackQueryHandler(manage_press, pattern=r"^sub:(edit|pause|resume|del|delok|keep):"))
    app.add_handler(CallbackQueryHandler(wizard_press, pattern=r"^sub:"))
    if app.bot_data["services"].settings.background_jobs and app.job_queue is not None:
        app.job_queue.run_repeating(digest_tick, interval=DIGEST_TICK_SECONDS, first=2, name="digest-tick")
        app.job_queue.run_repeating(alert_tick, interval=ALERT_TICK_SECONDS, first=3, name="alert-tick")
        app.job_queue.run_once(sender_job, when=0, name="outbox-sender")
