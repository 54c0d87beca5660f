"""A reporter on a bad connection, against the real `khabar run` killed between commit and reply.

`Person` files one report through `tests.botproc.BotProcess`. Each process life may carry a crash
point (`bot.crashpoint`: exit right after the commit of the n-th input). When the bot dies before
replying, the person does what a person does when the bot goes quiet: once it is back, sends the
same input again, then answers whatever the bot shows (Continue on the resume prompt, the question
on screen, Submit on the summary). An input whose reply was lost counts as done once the bot shows
another question; while the same question is on screen it is sent again (a photo twice, a tick
pressed twice: the bot must not store either twice).

A `Plan` is per question: the inputs the person means to send there, in order. The details the walk
leaves to the summary (time of day, place name, location, photos) are planned too: on the summary
the person presses Edit on each planned detail in turn, then Submit. A tick on a multi-choice
question answered earlier (still on screen above) is planned at the question being asked (`at`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.crashpoint import EXIT_CODE, VARIABLE
from bot.emulator import EmulatorState, EmuMessage
from bot.forms.actions import ReportAction
from handlers.callbacks import ReportPress
from tests.botproc import WAIT, BotProcess


@dataclass(frozen=True)
class Act:
    """One input: `kind` text, photo, voice, location, command or press; `field` the question it
    answers (None for Continue, Submit, /report and the category, which the screen decides)."""

    kind: str
    field: str | None = None
    text: str = ""
    data: bytes = b""
    point: tuple[float, float] = (0.0, 0.0)
    action: ReportAction | None = None
    arg: str = ""
    at: str | None = None  # the question on screen when it is sent, when not `field`

    @property
    def key(self) -> str:
        """The question whose plan this input belongs to."""
        return self.at or self.field or ""

    @property
    def crash_kind(self) -> str:
        """The input kind as `bot.crashpoint` counts it."""
        if self.kind == "command":
            return self.text
        return "button" if self.kind == "press" else self.kind


def text(f: str, value: str) -> Act:
    return Act("text", f, text=value)


def photo(f: str, data: bytes) -> Act:
    return Act("photo", f, data=data)


def voice(f: str, data: bytes) -> Act:
    return Act("voice", f, data=data)


def location(f: str, lat: float, lon: float) -> Act:
    return Act("location", f, point=(lat, lon))


def command(f: str, name: str) -> Act:
    return Act("command", f, text=name)


def press(f: str | None, action: ReportAction, arg: str = "", at: str | None = None) -> Act:
    """A button of question `f` (`rep:<action>:<token>:<f>[:<arg>]`), or with `f` None, the first
    button with `action` (Continue, Submit, a category or an Edit: `arg` is then the code or the
    field); `at`: planned at that question (a tick on an earlier one)."""
    return Act("press", f, action=action, arg=arg, at=at)


Plan = dict[str, list[Act]]

# How long the bot stays quiet before its reply is taken as whole. Its messages of one reply come
# within milliseconds of each other; the one reply known to come in two parts, a multi-choice
# question's ticks and then the next question, is also waited for by what it looks like.
SETTLE = 0.015


@dataclass
class Person:
    bot: BotProcess
    user_id: int
    category: str
    plan: Plan
    crash_points: list[str] = field(default_factory=list)  # one `bot.crashpoint` spec per life
    details: tuple[str, ...] = ()  # the planned questions the walk leaves to the summary
    done: dict[str, int] = field(default_factory=dict)  # inputs acknowledged per question
    sent: list[Act] = field(default_factory=list)
    crashes: list[Act] = field(default_factory=list)  # the inputs whose reply a crash swallowed
    submitted: bool = False

    @property
    def state(self) -> EmulatorState:
        return self.bot.emulator.state

    def start(self) -> None:
        """Start the next life of the process, with its crash point if one is left."""
        self.bot.env.pop(VARIABLE, None)
        if self.crash_points:
            self.bot.env[VARIABLE] = self.crash_points.pop(0)
        self.bot.start()

    async def file_report(self, limit: int = 200) -> None:
        pending: Act | None = None  # sent, its reply lost in a crash, not known to be applied
        for _ in range(limit):
            if self.submitted:
                return
            act, pending = self._next(pending)
            if act is None:
                continue
            if not await self._send(act):
                # The bot died between the commit and the reply: restart it and send the same again.
                self.crashes.append(act)
                self.start()
                while not await self._send(act):
                    self.crashes.append(act)
                    self.start()
                # A lost Continue (no question of its own) leaves unresolved what was before it.
                pending = act if act.field is not None else pending
            elif act.field is not None and pending is None:
                self.done[act.key] = self.done.get(act.key, 0) + 1
        raise AssertionError(f"no report after {limit} inputs; last: {self._screen_text()}")

    # --- reading the screen ---------------------------------------------------------------------

    def _screen(self) -> EmuMessage | None:
        messages = self.state.bot_messages(self.user_id)
        return messages[-1] if messages else None

    def _screen_text(self) -> str:
        screen = self._screen()
        return (screen.text or "") if screen else ""

    @staticmethod
    def _data(screen: EmuMessage | None) -> list[list[str]]:
        if screen is None:
            return []
        return [str(b.get("callback_data", "")).split(":") for row in screen.buttons for b in row]

    def _asking(self, screen: EmuMessage | None) -> str | None:
        """The question on screen, read from its buttons (they name their field)."""
        for parts in self._data(screen):
            if (
                parts[:1] == [ReportPress.prefix]
                and parts[1:2] != [ReportAction.EDIT.value]
                and len(parts) > 3
            ):
                return parts[3]
        return None

    def _has(self, screen: EmuMessage | None, action: ReportAction) -> bool:
        return any(parts[:2] == [ReportPress.prefix, action.value] for parts in self._data(screen))

    def _next(self, pending: Act | None) -> tuple[Act | None, Act | None]:
        """What to send now, from what is on screen; and what is still unresolved."""
        screen = self._screen()
        if screen is None:
            return command("", "report"), pending
        # "Thank you. … sent as R-…", with at most the button that starts another aspect of it
        if (
            "sent as" in (screen.text or "")
            and self._asking(screen) is None
            and not self._has(screen, ReportAction.SUBMIT)
        ):
            self.submitted = True
            return None, None
        if self._has(screen, ReportAction.RESUME) and self._asking(screen) is None:
            return press(None, ReportAction.RESUME), pending
        if self._has(screen, ReportAction.CATEGORY):
            return press(None, ReportAction.CATEGORY, self.category), pending
        asking = self._asking(screen)
        if pending is not None and (asking is not None or self._has(screen, ReportAction.SUBMIT)):
            if asking != pending.key:  # the bot moved on: the lost reply's input was applied
                self.done[pending.key] = self.done.get(pending.key, 0) + 1
            pending = None
        if asking is None:
            if self._has(screen, ReportAction.SUBMIT):
                left = [d for d in self.details if self.done.get(d, 0) < len(self.plan.get(d, []))]
                if left:
                    return press(None, ReportAction.EDIT, left[0]), pending
                return press(None, ReportAction.SUBMIT), pending
            raise AssertionError(f"nothing to answer on {screen.text!r} {screen.buttons}")
        acts = self.plan.get(asking, [])
        index = self.done.get(asking, 0)
        if index >= len(acts):
            raise AssertionError(f"no input planned for {asking} #{index}: {screen.text!r}")
        act = acts[index]
        if act.kind == "press" and act.action is ReportAction.TOGGLE and self._ticked(act):
            self.done[asking] = index + 1  # already ticked: a person sees the tick and goes on
            return None, pending
        return act, pending

    def _ticked(self, act: Act) -> bool:
        """The option shows its tick, on whichever message its question is."""
        return any(
            parts[1:2] == ["t"] and parts[3:5] == [act.field, f"-{act.arg}"]
            for message in self.state.bot_messages(self.user_id)
            for parts in self._data(message)
        )

    # --- sending ----------------------------------------------------------------------------------

    def _button(self, act: Act) -> tuple[int, str]:
        for message in reversed(self.state.bot_messages(self.user_id)):
            for row in message.buttons:
                for b in row:
                    data = str(b.get("callback_data", ""))
                    parts = data.split(":")
                    if parts[:2] != [ReportPress.prefix, act.action.value if act.action else ""]:
                        continue
                    if act.action is ReportAction.CATEGORY and parts[2:3] != [act.arg]:
                        continue
                    if act.action is ReportAction.EDIT and act.field is None and parts[3:4] != [act.arg]:
                        continue
                    wanted = [act.field, *([act.arg] if act.arg else [])]
                    if act.field is not None and parts[3:5] != wanted:
                        continue
                    return message.message_id, data
        raise AssertionError(f"no button for {act}; screen: {self._screen_text()!r}")

    def _push(self, act: Act) -> int:
        state, uid = self.state, self.user_id
        if act.kind == "text":
            return state.send_text(uid, act.text)
        if act.kind == "command":
            return state.send_text(uid, "/" + act.text)
        if act.kind == "photo":
            return state.send_photo(uid, act.data)
        if act.kind == "voice":
            return state.send_voice(uid, act.data)
        if act.kind == "location":
            return state.send_location(uid, *act.point)
        message_id, data = self._button(act)
        return state.press(uid, message_id, data)

    async def _send(self, act: Act) -> bool:
        """Send `act` and wait for the bot's reply: True, or False when the process died first."""
        counters = self.state.counters
        before = counters["sent"] + counters["edited"]
        proc = self.bot.proc
        assert proc is not None
        update_id = self._push(act)
        self.sent.append(act)
        query = str(self.state.updates[-1].get("callback_query", {}).get("id", ""))
        deadline = asyncio.get_running_loop().time() + WAIT

        def replied() -> bool:
            if counters["sent"] + counters["edited"] > before:
                return True
            answered: dict[str, Any] = self.state.callback_queries.get(query, {})
            return bool(answered.get("answered")) and "already sent" in str(answered.get("text"))

        while not replied():
            if proc.poll() is not None:
                if proc.returncode != EXIT_CODE:
                    raise AssertionError(f"khabar exited ({proc.returncode}):\n{self.bot.output()}")
                self._drop(update_id)
                return False
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no reply to {act} within {WAIT}s:\n{self.bot.output()}")
            await self.state.bot_activity(0.05)  # or a moment, to see whether the process died
        if "already sent" in str(self.state.callback_queries.get(query, {}).get("text")):
            self.submitted = True
        while await self.state.bot_activity(SETTLE):
            pass  # the rest of a reply of several messages: until the bot is quiet for a moment
        # An answered multi-choice question (ticks only, no navigation row) is never the whole reply:
        # the question it answered comes below it. On a busy machine that can take a while.
        while asyncio.get_running_loop().time() < deadline:
            if not self._ticks_only(self._screen()):
                break
            await self.state.bot_activity(0.05)
        return True

    def _ticks_only(self, screen: EmuMessage | None) -> bool:
        data = self._data(screen)
        return bool(data) and all(parts[1:2] == [ReportAction.TOGGLE.value] for parts in data)

    def _drop(self, update_id: int) -> None:
        """A killed bot may not have confirmed the update: Telegram would deliver it again. The
        person's own resend is what is under test here, so that second delivery is left out."""
        keep = [u for u in self.state.updates if u["update_id"] != update_id]
        self.state.updates.clear()
        self.state.updates.extend(keep)
