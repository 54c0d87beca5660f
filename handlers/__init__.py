"""Telegram handlers, one module per feature. `register_all` wires them in order."""

from __future__ import annotations

from bot.context import KhabarApp


def register_all(app: KhabarApp) -> None:
    from handlers import (
        access,
        admin,
        errors,
        export,
        fallback,
        invites,
        moderation,
        privacy,
        report,
        search,
        start,
        subscriptions,
        wipe,
    )

    access.register(app)
    start.register(app)
    # Feature modules register here, before the fallback.
    invites.register(app)
    admin.register(app)
    # Before the report conversation: replies to moderation prompts are text it would take.
    moderation.register(app)
    search.register(app)
    export.register(app)
    subscriptions.register(app)
    wipe.register(app)
    privacy.register(app)
    # Last before the fallback: its MessageHandler takes free text, photos and locations.
    report.register(app)
    fallback.register(app)
    errors.register(app)
