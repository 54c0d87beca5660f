"""/subscribe and /subscriptions (the digest jobs start in bot.runtime.jobs; /digest_now is
handlers.digest_now).

The wizard is buttons only; its state is a database draft (`bot.subscriptions`), so a restart in the
middle loses nothing and a stale or forged button is refused by the service, not trusted here.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import labels
from bot import subscriptions as service
from bot.digests import filters_text
from bot.i18n import _, pgettext
from bot.localize import format_number, format_zone, isolate, local_digits
from bot.roles import Role, role_of
from bot.runtime.context import KhabarApp, KhabarContext
from bot.subscriptions import ManageAction, Subscription, SubscriptionDraft, WizardAction, utcnow
from domain.vocabulary import Certainty, SubscriptionStatus
from handlers.callbacks import SubscriptionManage, SubscriptionStep
from handlers.common import answer, edit_or_send, requires, send

log = logging.getLogger(__name__)

PROVINCES_PER_PAGE = 10

Button = InlineKeyboardButton


def _step(label: str, action: WizardAction, value: object = "") -> Button:
    return Button(label, callback_data=SubscriptionStep(action, str(value)).pack())


def _manage(label: str, action: ManageAction, subscription_id: int | None) -> Button:
    return Button(label, callback_data=SubscriptionManage(action, subscription_id or 0).pack())


def _rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _hour(hour: int) -> str:
    return local_digits(f"{hour:02d}:00")


def schedule_text(sub: Subscription) -> str:
    if sub.frequency == "weekly":
        return _("Weekly: {weekday}, {time} ({zone})").format(
            weekday=_(service.WEEKDAYS[sub.weekday or 0]),
            time=_hour(sub.hour),
            zone=format_zone(sub.timezone),
        )
    return _("Daily: {time} ({zone})").format(time=_hour(sub.hour), zone=format_zone(sub.timezone))


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
        rows = [
            [
                _step(_("Daily"), WizardAction.FREQUENCY, "d"),
                _step(_("Weekly"), WizardAction.FREQUENCY, "w"),
            ]
        ]
    elif step == "weekday":
        text = _("On which day of the week?")
        rows = _rows(
            [_step(_(service.WEEKDAYS[d]), WizardAction.WEEKDAY, d) for d in service.WEEK_ORDER],
            4,
        )
    elif step == "hour":
        text = _("At what time? ({zone})").format(zone=format_zone(timezone))
        rows = _rows(
            [_step(_hour(h), WizardAction.HOUR, h) for h in range(24)],
            6,
        )
    elif step == "provinces":
        text, rows = _provinces_view(data)
    elif step == "categories":
        chosen = set(data.get("categories") or [])
        text = _("Which categories? Tap to select one or more, then press Done.")
        rows = [
            # A ticked button unticks ("-code"), an unticked one ticks: never a flip.
            [_step(_ticked(code, chosen) + _(title), WizardAction.CATEGORY, _tick(code, chosen))]
            for code, title in service.categories()
        ]
        rows.append(
            [
                _step(_("All categories"), WizardAction.ALL_CATEGORIES),
                _step(_("Done"), WizardAction.CATEGORIES_DONE),
            ]
        )
    elif step == "certainty":
        text = _("Which reports should the digest include, by certainty?")
        rows = [[_step(_(labels.MIN_CERTAINTY[c]), WizardAction.MIN_CERTAINTY, c)] for c in Certainty]
    elif step == "empty":
        text = _("Send the digest also when there is nothing new?")
        rows = [
            [
                _step(_("Yes"), WizardAction.SEND_EMPTY, "1"),
                _step(_("No"), WizardAction.SEND_EMPTY, "0"),
            ]
        ]
    else:
        text = _("Send urgent reports to you at once, as alerts?")
        rows = [
            [
                _step(_("Yes"), WizardAction.ALERTS, "1"),
                _step(_("No"), WizardAction.ALERTS, "0"),
            ]
        ]
    rows.append([_step(_("Cancel"), WizardAction.CANCEL)])
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
            _step(_ticked(p.pcode, chosen) + p.name(), WizardAction.PROVINCE, _tick(p.pcode, chosen))
            for p in shown
        ],
        2,
    )
    nav = []
    if page > 0:
        nav.append(_step(_("‹ Previous"), WizardAction.PROVINCE_PAGE, page - 1))
    nav.append(
        _step(
            _("Page {page} of {pages}").format(page=format_number(page + 1), pages=format_number(pages)),
            WizardAction.PROVINCE_PAGE,
            page,
        )
    )
    if page < pages - 1:
        nav.append(_step(_("Next ›"), WizardAction.PROVINCE_PAGE, page + 1))
    rows.append(nav)
    rows.append(
        [
            _step(_("All provinces"), WizardAction.ALL_PROVINCES),
            _step(_("Done"), WizardAction.PROVINCES_DONE),
        ]
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
    async with context.services.db.session() as session:
        draft = await service.start_wizard(session, context.account.id)
    assert draft is not None
    await _show_step(update, context, draft, new=True)


@requires(Role.COORDINATOR)
async def wizard_press(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = SubscriptionStep.parse(query.data)
    if press is None:
        await _stale(update)
        return
    action, value = press.action, press.value
    db = context.services.db
    if action is WizardAction.CANCEL:
        async with db.session() as session:
            await service.cancel_wizard(session, context.account.id)
        await edit_or_send(
            update, context, _("Cancelled. Nothing was saved. Send /subscribe to start again.")
        )
        return
    gaz = context.services.places
    async with db.session() as session:
        choice = await service.choose(
            session,
            context.account.id,
            action,
            value,
            now=utcnow(),
            timezone=context.services.settings.timezone,
            valid_provinces=set(gaz.provinces),
        )
    if choice.ended:
        text = _("This subscription setup has already ended. Send /subscriptions to see what is saved.")
        await answer(update, text, alert=True)
        return
    if choice.stale:
        await _stale(update)
        return
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
        _manage(_("Pause"), ManageAction.PAUSE, sub.id)
        if sub.status == SubscriptionStatus.ACTIVE
        else _manage(pgettext("subscription", "Resume"), ManageAction.RESUME, sub.id)
    )
    return InlineKeyboardMarkup(
        [
            [
                _manage(pgettext("subscription", "Edit"), ManageAction.EDIT, sub.id),
                toggle,
                _manage(_("Delete"), ManageAction.DELETE, sub.id),
            ]
        ]
    )


def _card(sub: Subscription) -> str:
    status = labels.label(labels.SUBSCRIPTION_STATUS, sub.status)
    number = "#" + format_number(sub.id or 0)
    head = _("Subscription {number} ({status})").format(number=number, status=status)
    return head + "\n" + describe(sub)


@requires(Role.COORDINATOR)
async def list_subscriptions(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    async with context.services.db.session() as session:
        subs = await service.list_for(session, context.account.id)
        everyone = (
            await service.digest_now_targets(session) if role_of(context.account.role) is Role.ADMIN else []
        )
    if everyone:
        lines = [_("Active subscriptions, by the number /digest_now takes:")]
        lines += [
            _("{number}: {schedule}").format(
                number=isolate("#" + format_number(sub.id or 0)), schedule=describe(sub)
            )
            for sub in everyone
        ]
        await send(update, context, "\n".join(lines))
    if not subs:
        await send(update, context, _("You have no subscriptions. Send /subscribe to create one."))
        return
    for sub in subs:
        await send(update, context, _card(sub), _manage_buttons(sub))


@requires(Role.COORDINATOR)
async def manage_press(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = SubscriptionManage.parse(query.data)
    db, user_id = context.services.db, context.account.id
    if press is None:
        await _stale(update)
        return
    action, sub_id = press.action, press.subscription_id
    if action is ManageAction.EDIT:
        async with db.session() as session:
            draft = await service.start_wizard(session, user_id, sub_id)
        if draft is None:
            await _stale(update)
            return
        await _show_step(update, context, draft, new=True)
        return
    if action is ManageAction.DELETE:
        async with db.session() as session:
            owned = [s for s in await service.list_for(session, user_id) if s.id == sub_id]
        if not owned:
            await _stale(update)
            return
        confirm = InlineKeyboardMarkup(
            [
                [
                    _manage(_("Yes, delete"), ManageAction.CONFIRM_DELETE, sub_id),
                    _manage(pgettext("subscription", "Keep"), ManageAction.KEEP, sub_id),
                ]
            ]
        )
        await edit_or_send(
            update, context, _card(owned[0]) + "\n\n" + _("Delete this subscription?"), confirm
        )
        return
    status_action = {
        ManageAction.PAUSE: "pause",
        ManageAction.RESUME: "resume",
        ManageAction.CONFIRM_DELETE: "delete",
        ManageAction.KEEP: "keep",
    }[action]
    if status_action == "keep":
        async with db.session() as session:
            owned = [s for s in await service.list_for(session, user_id) if s.id == sub_id]
        if not owned:
            await _stale(update)
            return
        await edit_or_send(update, context, _card(owned[0]), _manage_buttons(owned[0]))
        return
    async with db.session() as session:
        sub = await service.change_status(session, user_id, sub_id, status_action, utcnow())
    if sub is None:
        await _stale(update)
        return
    if sub.status == SubscriptionStatus.DELETED:
        await edit_or_send(update, context, _("Subscription deleted."))
    else:
        await edit_or_send(update, context, _card(sub), _manage_buttons(sub))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("subscribe", subscribe))
    app.add_handler(CommandHandler("subscriptions", list_subscriptions))
    app.add_handler(CallbackQueryHandler(manage_press, pattern=SubscriptionManage.pattern()))
    app.add_handler(CallbackQueryHandler(wizard_press, pattern=SubscriptionStep.pattern()))
