"""Telegram handlers, one module per feature. `register_all` wires them in order."""

from __future__ import annotations

from bot.context import KhabarApp


def register_all(app: KhabarApp) -> None:
    from handlers import access, admin, errors, fallback, invites, start

    access.register(app)
    start.register(app)
    # Feature modules register here, before the fallback.
    invites.register(app)
    admin.register(app)
    fallback.register(app)
    errors.register(app)
