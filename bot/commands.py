"""Every bot command with its menu description and the least role that may use it.

One list serves /help, the per-language command menus and the access checks, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.roles import Role


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # msgid
    role: Role
    in_menu: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start the bot, or start it again"), Role.STRANGER),
    Command("help", N_("What this bot can do for you"), Role.STRANGER),
    Command("language", N_("Change the language"), Role.STRANGER),
    Command("report", N_("File a new incident report"), Role.REPORTER),
    Command("quick", N_("Send a quick report: one message, completed by a moderator"), Role.REPORTER),
    Command("myreports", N_("Your recent reports and their status"), Role.REPORTER),
    Command("cancel", N_("Stop the current report or action"), Role.REPORTER),
    Command("back", N_("Go back to the previous question"), Role.REPORTER, in_menu=False),
    Command("skip", N_("Skip an optional question"), Role.REPORTER, in_menu=False),
    Command("wipe", N_("Delete this conversation from the chat"), Role.STRANGER),
    Command("settings", N_("Your settings"), Role.REPORTER),
    Command("subscribe", N_("Subscribe to digests and alerts"), Role.COORDINATOR),
    Command("subscriptions", N_("Your digest subscriptions"), Role.COORDINATOR),
    Command("search", N_("Search recent approved reports"), Role.COORDINATOR),
    Command("pending", N_("Review the next pending report"), Role.MODERATOR),
    Command("history", N_("Audit trail of a report"), Role.ADMIN),
    Command("users", N_("List users and their roles"), Role.ADMIN),
    Command("role", N_("Change a user's role"), Role.ADMIN),
    Command("block", N_("Block a user"), Role.ADMIN),
    Command("unblock", N_("Unblock a user"), Role.ADMIN),
    Command("erase", N_("Erase everything kept about a user"), Role.ADMIN),
    Command("invite", N_("Create an invite link"), Role.ADMIN),
    Command("invites", N_("List and revoke invites"), Role.ADMIN),
    Command("export", N_("Export approved reports as a file"), Role.ADMIN),
    Command("digest_now", N_("Send a digest now"), Role.ADMIN),
)

BY_NAME = {c.name: c for c in COMMANDS}


def commands_for(role: Role) -> list[Command]:
    return [c for c in COMMANDS if role.at_least(c.role)]


def required_role(name: str) -> Role | None:
    command = BY_NAME.get(name)
    return command.role if command else None
