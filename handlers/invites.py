"""/invite, /invites (with Revoke buttons) and redeeming an invite code at /start."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import invites
from bot.i18n import _, ngettext
from bot.invites import Invite
from bot.localize import format_date, format_number, isolate, parse_int
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from bot.users import role_label
from handlers.callbacks import InviteRevoke
from handlers.common import answer, edit_or_send, requires, send, start_payload
from handlers.menus import sync_chat_menu
from handlers.start import start

log = logging.getLogger(__name__)


def _usage() -> str:
    return _(
        "Usage: /invite reporter|coordinator [uses] [days]\n"
        "For example /invite reporter 5 7 makes a link five people can use within seven days."
    )


@requires(Role.ADMIN)
async def invite_command(update: Update, context: KhabarContext) -> None:
    args = context.args or []
    uses = parse_int(args[1]) if len(args) > 1 else 1
    days = parse_int(args[2]) if len(args) > 2 else invites.DEFAULT_DAYS
    if not args or uses is None or days is None or len(args) > 3:
        await send(update, context, _usage())
        return
    assert context.account is not None
    try:
        async with context.services.db.session() as session:
            created = await invites.create_invite(
                session,
                role=args[0].lower(),
                uses=uses,
                days=days,
                created_by=context.account.id,
                now=datetime.now(UTC),
            )
    except invites.InviteError as exc:
        problems = {
            "role": _("Invites are for reporters or coordinators."),
            "uses": _("The number of uses must be between {least} and {most}.").format(
                least=format_number(1), most=format_number(invites.MAX_USES)
            ),
            "days": _("The number of days must be between {least} and {most}.").format(
                least=format_number(1), most=format_number(invites.MAX_DAYS)
            ),
        }
        await send(update, context, problems[exc.reason] + "\n\n" + _usage())
        return
    link = invites.invite_link(context.bot.username, created.code)
    invite = created.invite
    text = _(
        "Invite for a {role}: {uses}, until {date}.\n"
        "Share this link privately (it is shown only once):\n{link}\n\n"
        "Or they can send: /start {code}"
    ).format(
        role=role_label(invite.role),
        uses=_uses_text(invite),
        date=_expiry(context, invite),
        link=isolate(link),
        code=isolate(created.code),
    )
    await send(update, context, text)


def _uses_text(invite: Invite) -> str:
    return ngettext("{n} use", "{n} uses", invite.max_uses).format(n=format_number(invite.max_uses))


def _expiry(context: KhabarContext, invite: Invite) -> str:
    return format_date(invite.expires_at.astimezone(context.services.settings.tz).date())


async def _render_list(context: KhabarContext) -> tuple[str, InlineKeyboardMarkup | None]:
    async with context.services.db.session() as session:
        usable = await invites.usable_invites(session, datetime.now(UTC))
    if not usable:
        return _("No open invites. Make one with /invite reporter or /invite coordinator."), None
    lines = [_("Open invites:")]
    buttons = []
    for invite in usable:
        lines.append(
            _("#{id} {role}: {uses}; used: {used}; valid until: {date}").format(
                id=format_number(invite.id or 0),
                role=role_label(invite.role),
                used=format_number(invite.uses),
                uses=_uses_text(invite),
                date=_expiry(context, invite),
            )
        )
        buttons.append(
            [
                InlineKeyboardButton(
                    _("Revoke #{id}").format(id=format_number(invite.id or 0)),
                    callback_data=InviteRevoke(invite.id or 0).pack(),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


@requires(Role.ADMIN)
async def invites_command(update: Update, context: KhabarContext) -> None:
    text, markup = await _render_list(context)
    await send(update, context, text, markup)


@requires(Role.ADMIN)
async def revoke_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = InviteRevoke.parse(query.data)
    if press is None:
        log.warning("malformed invite callback from user %s", pseudonym(context.account.id))
        await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)
        return
    async with context.services.db.session() as session:
        done = await invites.revoke(
            session, invite_id=press.invite_id, actor_id=context.account.id, now=datetime.now(UTC)
        )
    await answer(update, _("Invite revoked.") if done else _("That invite was already revoked."))
    text, markup = await _render_list(context)
    await edit_or_send(update, context, text, markup)


async def start_with_code(update: Update, context: KhabarContext, code: str) -> bool:
    """Redeem `code` sent with /start. True when that answered the /start; False when the caller
    should go on greeting (the user just joined and may still need to pick a language)."""
    account = context.account
    assert account is not None
    async with context.services.db.session() as session:
        result = await invites.redeem(session, user_id=account.id, code=code, now=datetime.now(UTC))
        if result.outcome is invites.Redeemed.JOINED:
            account.role = result.role.value
    log.info("invite redemption by user %s: %s", pseudonym(account.id), result.outcome.value)
    if result.outcome is invites.Redeemed.COOL_DOWN:
        await send(
            update,
            context,
            _(
                "Too many wrong invite codes. Please wait an hour, then try again with the link "
                "you were given."
            ),
        )
        return True
    if result.outcome is invites.Redeemed.INVALID:
        await send(
            update,
            context,
            _(
                "This invite code is not valid: it may be mistyped, expired or already used. "
                "Ask your coordinator for a new invite link."
            ),
        )
        return True
    if result.outcome is invites.Redeemed.ALREADY:
        text = _("You already have access as a {role}.").format(role=role_label(result.role))
        await send(update, context, text)
        return False
    text = _("Welcome! You now have access as a {role}.").format(role=role_label(result.role))
    await send(update, context, text)
    if account.language:
        await sync_chat_menu(context.bot, account.id, result.role, account.language)
    return False


async def start_with_code_command(update: Update, context: KhabarContext) -> None:
    """/start <invite code>: redeem it, then greet as a plain /start does unless that already answered."""
    assert context.args
    if not await start_with_code(update, context, context.args[0]):
        await start(update, context)


def register_deep_link(app: KhabarApp) -> None:
    # Any other /start payload is an invite code; the answer link is registered before this one.
    app.add_handler(CommandHandler("start", start_with_code_command, start_payload()))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("invite", invite_command))
    app.add_handler(CommandHandler("invites", invites_command))
    app.add_handler(CallbackQueryHandler(revoke_button, pattern=InviteRevoke.pattern()))
