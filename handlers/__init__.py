"""Telegram handlers, one module per feature. `register_all` wires them in order."""

from __future__ import annotations

from bot.runtime.context import KhabarApp


def register_all(app: KhabarApp) -> None:
    from handlers import (
        access,
        admin,
        digest_now,
        edited,
        errors,
        export,
        fallback,
        invites,
        moderation,
        notices,
        privacy,
        quick,
        report,
        search,
        start,
        subscriptions,
        wipe,
    )

    access.register(app)
    edited.register(app)
    # /start with a payload first: PTB takes the first /start handler whose filter matches (as in its
    # deeplinking example), and the plain /start takes the rest.
    moderation.register_deep_link(app)
    notices.register_deep_link(app)
    invites.register_deep_link(app)
    start.register(app)
    # Feature modules register here, before the fallback.
    invites.register(app)
    admin.register(app)
    # Before the report conversation: replies to moderation prompts are text it would take.
    moderation.register(app)
    search.register(app)
    export.register(app)
    subscriptions.register(app)
    digest_now.register(app)
    wipe.register(app)
    privacy.register(app)
    # Last before the fallback: its MessageHandler takes free text, photos and locations.
    report.register(app)
    quick.register(app)
    fallback.register(app)
    errors.register(app)
