"""Telegram handlers, one module per feature. `register_all` wires them in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import KhabarApp, KhabarContext

# Invite redemption plugs in here (set by the invites feature); returns True when it handled /start.
InviteHook = Callable[[Update, KhabarContext, str], Awaitable[bool]]
_invite_hook: InviteHook | None = None


async def invites_hook(update: Update, context: KhabarContext, code: str) -> bool:
    return await _invite_hook(update, context, code) if _invite_hook else False


def register_all(app: KhabarApp) -> None:
    from handlers import access, errors, fallback, start

    access.register(app)
    start.register(app)
    # Feature modules register here, before the fallback.
    fallback.register(app)
    errors.register(app)
