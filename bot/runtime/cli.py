"""The `khabar` command line."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType

from bot.config import ConfigError, Settings, load_settings
from bot.runtime.logs import setup_logging

NO_TOKEN = """\
khabar: BOT_TOKEN is not set.
  To run the real bot, talk to @BotFather in Telegram, send /newbot, and put the token it gives
  you in .env as BOT_TOKEN=123456789:AA... (see .env.example).
  To try Khabar without Telegram, run: khabar sandbox"""


TOKEN_REJECTED = """\
khabar: BOT_TOKEN was rejected by the Bot API server (revoked, or mistyped?).
  Check it with @BotFather (/mybots → API Token) and update .env."""


def _version() -> str:
    try:
        return version("khabar")
    except PackageNotFoundError:
        return "0+unknown"


def _settings(**overrides: object) -> Settings:
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(f"khabar: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # Every command logs through the token-scrubbing handler, uncaught exceptions included: PTB's
    # InvalidToken quotes the token (review finding 7).
    setup_logging(settings.log_format, settings.log_level, secrets=(settings.token or "",))
    sys.excepthook = _log_uncaught
    return settings


def _log_uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    from telegram.error import InvalidToken

    if isinstance(error, InvalidToken):
        print(TOKEN_REJECTED, file=sys.stderr)
        return
    logging.getLogger("bot.runtime.cli").error("khabar stopped on an error", exc_info=(kind, error, tb))


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.runtime.runner import check_webhook_settings

    try:
        check_webhook_settings(settings)
    except ConfigError as exc:
        print(f"khabar: invalid configuration: {exc}", file=sys.stderr)
        return 2
    from telegram.error import InvalidToken

    from bot.runtime.runner import run
    from storage.instance_lock import AlreadyRunning

    try:
        asyncio.run(run(settings))
    except ConfigError as exc:  # a combination of settings the runner refuses
        print(f"khabar: invalid configuration: {exc}", file=sys.stderr)
        return 2
    except AlreadyRunning as exc:
        print(f"khabar: {exc}", file=sys.stderr)
        return 2
    except InvalidToken:
        # PTB's own message quotes the token; say what happened without it.
        print(TOKEN_REJECTED, file=sys.stderr)
        return 2
    except Exception:
        # Through logging, not Python's traceback printer, so the token is scrubbed from it.
        logging.getLogger("bot.runtime.cli").exception("the bot stopped on an error")
        return 1
    return 0


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.runtime.sandbox import SANDBOX_DATABASE_URL, run_sandbox

    # The sandbox never touches the configured database or hands out the configured export tokens:
    # its own scratch database (or --database-url), whatever DATABASE_URL and .env say.
    settings = _settings(database_url=args.database_url or SANDBOX_DATABASE_URL, export_tokens={})

    try:
        asyncio.run(run_sandbox(settings, port=args.port, script=args.script))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"khabar: port {args.port} is already in use; choose another, or --port 0 for any free one",
            file=sys.stderr,
        )
        return 2
    return 0


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot import search
    from storage.db import Database
    from storage.migrate import upgrade

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            return await search.fill_missing(db)
        finally:
            await db.dispose()

    filled = asyncio.run(go())
    if filled:
        print(f"search text stored for {filled} approved reports")
    print("database is up to date")
    return 0


def _cmd_admin(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import UTC, datetime

    from bot import users
    from bot.roles import Role
    from storage.db import Database
    from storage.migrate import upgrade

    role = args.role if args.action == "grant" else Role.STRANGER.value

    async def go() -> None:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            async with db.session() as session:
                await users.grant(session, user_id=args.telegram_id, role=Role(role), now=datetime.now(UTC))
        finally:
            await db.dispose()

    asyncio.run(go())
    print(f"user {args.telegram_id} is now {role}")
    return 0


def _cmd_user_erase(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import UTC, datetime

    from bot import pseudonyms, retention
    from storage.db import Database
    from storage.migrate import upgrade

    pseudonyms.configure(settings.pseudonym_key)

    async def go() -> dict[str, int]:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            async with db.session() as session:
                return await retention.erase_person(
                    session, user_id=args.telegram_id, actor_id=None, now=datetime.now(UTC)
                )
        finally:
            await db.dispose()

    counts = asyncio.run(go())
    print(f"user {args.telegram_id} erased; {counts['reports']} reports kept without a link to them")
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import UTC, datetime

    from bot import pseudonyms, retention
    from storage.db import Database
    from storage.migrate import upgrade

    pseudonyms.configure(settings.pseudonym_key)

    async def go() -> retention.Purged:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            return await retention.purge(db, settings, datetime.now(UTC))
        finally:
            await db.dispose()

    purged = asyncio.run(go())
    print("purged: " + ", ".join(f"{k} {v}" for k, v in purged.counts.items()))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.exports import ExportError, ExportStream, audit_export, parse_filters, parse_format
    from storage.db import Database

    try:
        fmt = parse_format(args.format)
        filters = parse_filters(vars(args))
    except ExportError as exc:
        print(f"khabar export: {exc}", file=sys.stderr)
        return 2

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            stream = ExportStream(db, fmt, filters)
            async for chunk in stream:
                sys.stdout.buffer.write(chunk.encode("utf-8"))
            sys.stdout.buffer.flush()
            await audit_export(db, via="cli", actor_id=None, fmt=fmt, filters=filters, count=stream.count)
            return stream.count
        finally:
            await db.dispose()

    count = asyncio.run(go())
    print(f"khabar export: {count} approved report(s)", file=sys.stderr)
    return 0


def _cmd_digest_send_now(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.runtime.send_now import send_now_and_deliver

    digests, queued, sent = asyncio.run(send_now_and_deliver(settings, args.subscription))
    if args.subscription is not None and not digests:
        print(f"khabar digest: no active subscription {args.subscription}", file=sys.stderr)
        return 1
    print(f"digests: {digests}, messages queued: {queued}, sent now: {sent}")
    if queued and not settings.token:
        print("BOT_TOKEN is not set: the running bot's sender will deliver them.", file=sys.stderr)
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import UTC, datetime

    from bot import invites
    from storage.db import Database
    from storage.migrate import upgrade

    async def go() -> invites.NewInvite:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
            async with db.session() as session:
                return await invites.create_invite(
                    session,
                    role=args.role,
                    uses=args.uses,
                    days=args.days,
                    created_by=None,
                    now=datetime.now(UTC),
                )
        finally:
            await db.dispose()

    try:
        created = asyncio.run(go())
    except invites.InviteError as exc:
        print(
            f"khabar invite: invalid --{exc.reason} (uses 1-{invites.MAX_USES}, days 1-{invites.MAX_DAYS})",
            file=sys.stderr,
        )
        return 2
    invite = created.invite
    print(
        f"invite #{invite.id} for a {invite.role}: {invite.max_uses} use(s), "
        f"expires {invite.expires_at:%Y-%m-%d %H:%M} UTC (the code is shown only now)"
    )
    if args.bot:
        print(invites.invite_link(args.bot.lstrip("@"), created.code))
    print(f"or send the bot: /start {created.code}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="khabar", description="Khabar incident-reporting bot")
    parser.add_argument("--version", action="version", version=f"khabar {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)").set_defaults(
        func=_cmd_run
    )
    sandbox = sub.add_parser("sandbox", help="the bot against a local Telegram emulator, in this terminal")
    sandbox.add_argument(
        "--port", type=int, help="emulator port (default 8081, or any free port when 8081 is taken)"
    )
    sandbox.add_argument("--script", help="read chat input from this file instead of the terminal")
    sandbox.add_argument(
        "--database-url",
        help="the sandbox's own database (default ./var/sandbox.db; DATABASE_URL is never used)",
    )
    sandbox.set_defaults(func=_cmd_sandbox)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations and load the gazetteer").set_defaults(
        func=_cmd_db_upgrade
    )

    admin = sub.add_parser("admin", help="grant or revoke roles")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("telegram_id", type=int)
    admin.add_argument(
        "role",
        nargs="?",
        default="admin",
        choices=["reporter", "coordinator", "moderator", "admin"],
    )
    admin.set_defaults(func=_cmd_admin)

    user = sub.add_parser("user", help="one person's data")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    erase = user_sub.add_parser("erase", help="forget a person (their reports stay, unlinked)")
    erase.add_argument("telegram_id", type=int)
    erase.set_defaults(func=_cmd_user_erase)
    db_sub.add_parser("purge", help="apply the retention policy now (the bot does it hourly)").set_defaults(
        func=_cmd_purge
    )

    invite = sub.add_parser("invite", help="create invite codes")
    invite_sub = invite.add_subparsers(dest="invite_command", required=True)
    create = invite_sub.add_parser("create", help="a new invite code (and link, with --bot)")
    create.add_argument("--role", default="reporter", choices=["reporter", "coordinator"])
    create.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    create.add_argument("--days", type=int, default=7, help="days until it expires (default 7)")
    create.add_argument("--bot", help="the bot's @username, to print a t.me link")
    create.set_defaults(func=_cmd_invite)

    export = sub.add_parser("export", help="approved reports to stdout (csv, hxl, geojson or json)")
    export.add_argument("--format", default="csv", choices=["csv", "hxl", "geojson", "json"])
    export.add_argument("--since", help="occurred on or after this date (YYYY-MM-DD)")
    export.add_argument("--until", help="occurred on or before this date (YYYY-MM-DD)")
    export.add_argument("--approved-since", help="approved on or after this date, UTC (YYYY-MM-DD)")
    export.add_argument("--province", help="province P-code(s), comma-separated (AF01,AF02)")
    export.add_argument("--category", help="category code(s), comma-separated")
    export.add_argument("--certainty", help="confirmed, probable and/or possible, comma-separated")
    export.set_defaults(func=_cmd_export)

    digest = sub.add_parser("digest", help="digests")
    digest_sub = digest.add_subparsers(dest="digest_command", required=True)
    send_now = digest_sub.add_parser("send-now", help="send a digest of the period so far, now")
    send_now.add_argument("--subscription", type=int, help="only this subscription (default: all active)")
    send_now.set_defaults(func=_cmd_digest_send_now)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
