"""Shared steps for the report-intake tests: a reporter, answers by button or text, stored rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.forms.actions import ReportAction
from handlers.callbacks import ReportPress
from storage.models import Draft, Report
from tests.harness import BotHarness, SimUser, at_human_pace


def human_pace(bot: BotHarness) -> None:
    """The emulator's per-chat bucket refills as between a person's answers (`at_human_pace`); its
    overall limit stays the one the bot was made with."""
    bot.emulator.state.limits = at_human_pace(bot.emulator.state.limits)


async def reporter(bot: BotHarness, user_id: int = 101, language: str = "en") -> SimUser:
    human_pace(bot)
    return await bot.user(user_id, "Reporter", "en", role="reporter", language=language)


def data_of(user: SimUser, prefix: str) -> str:
    """Callback data of the first button on the newest message whose data starts with `prefix`."""
    for message in reversed(user.replies):
        for row in message.buttons:
            for button in row:
                if button.get("callback_data", "").startswith(prefix):
                    return str(button["callback_data"])
    raise AssertionError(f"no button with data {prefix!r}; buttons: {user.buttons}")


def action_prefix(action: ReportAction) -> str:
    """The start of the data of every report button with this action ("rep:ok:" for Submit)."""
    return ReportPress(action).pack() + ":"


async def press(user: SimUser, prefix: str) -> None:
    """Press by callback data (labels are translated, data is not)."""
    data = data_of(user, prefix)
    for message in reversed(user.replies):
        if any(b.get("callback_data") == data for row in message.buttons for b in row):
            await user.press_data(data, message.message_id)
            return


async def choose(user: SimUser, action: ReportAction, field: str, arg: str = "") -> None:
    """Press the `rep:<action>:<token>:<field>[:<arg>]` button of the current question. Skipping a
    detail the walk no longer asks (time of day, place name, location, photos: offered on the
    summary) is doing nothing, as the reporter does."""
    if action is ReportAction.SKIP:
        draft = await draft_of(user.bot, user.id)
        if draft is not None and draft.step != field:
            return
    for message in reversed(user.replies):
        for row in message.buttons:
            for button in row:
                pressed = ReportPress.parse(button.get("callback_data"))
                if (
                    pressed is not None
                    and pressed.action is action
                    and pressed.field == field
                    and (not arg or pressed.arg == arg)
                ):
                    await user.press_data(button["callback_data"], message.message_id)
                    return
    raise AssertionError(f"no {action}/{field}/{arg} button; buttons: {user.buttons}; text: {user.last_text}")


def option_index(category: str, field: str, code: str) -> str:
    from bot.forms.engine import get_form

    choices = get_form(category).field(field).choices
    return str([c.code for c in choices].index(code))


async def pick(user: SimUser, category: str, field: str, code: str) -> None:
    await choose(user, ReportAction.OPTION, field, option_index(category, field, code))


async def toggle(user: SimUser, category: str, field: str, *codes: str) -> None:
    """Choose several options: one tap answers the question and goes on; taps on the question left
    on screen add the others. Asked again from the summary, options are ticked, then Done."""
    draft = await draft_of(user.bot, user.id)
    if draft is not None and field in draft.answers:
        for code in codes:
            await choose(user, ReportAction.TOGGLE, field, option_index(category, field, code))
        await choose(user, ReportAction.DONE, field)
        return
    first, *more = codes
    await choose(user, ReportAction.OPTION, field, option_index(category, field, first))
    for code in more:
        await choose(user, ReportAction.TOGGLE, field, option_index(category, field, code))


async def start_report(user: SimUser, category: str) -> None:
    await user.send("/report")
    await press(user, ReportPress(ReportAction.CATEGORY, category).pack())


async def opening(
    user: SimUser, category: str, *, day: str = "0", place_at: tuple[str, str] = ("AF01", "Paghman")
) -> None:
    """Start a report and answer the questions every form opens with: a day from the buttons (0 is
    today), no time of day, the district typed and picked, no place name, no GPS."""
    await start_report(user, category)
    await choose(user, ReportAction.DAY, "occurred_on", day)
    await choose(user, ReportAction.SKIP, "time_of_day")
    await place(user, *place_at)
    await choose(user, ReportAction.SKIP, "place_name")
    await choose(user, ReportAction.SKIP, "location")


async def place(user: SimUser, province: str, district: str) -> None:
    """Answer province and district by typing the district's English name and picking it."""
    await user.send(district)
    draft = await draft_of(user.bot, user.id)
    if draft is not None and draft.step == "province":  # not an exact, unique name: pick it
        await choose(user, ReportAction.PLACE, "province", province_district_code(user, district, province))


def province_district_code(user: SimUser, name: str, province: str) -> str:
    for row in user.last_reply.buttons if user.last_reply else []:
        for button in row:
            pressed = ReportPress.parse(button.get("callback_data"))
            if (
                pressed is not None
                and pressed.action is ReportAction.PLACE
                and pressed.arg.startswith(province)
            ):
                return pressed.arg
    raise AssertionError(f"no candidate in {province}: {user.buttons}")


async def draft_of(bot: BotHarness, user_id: int) -> Draft | None:
    async with bot.db.session() as session:
        return (await session.execute(select(Draft).where(col(Draft.user_id) == user_id))).scalars().first()


async def reports_of(bot: BotHarness, user_id: int) -> list[Report]:
    async with bot.db.session() as session:
        stmt = select(Report).where(col(Report.reporter_id) == user_id).order_by(col(Report.id))
        return list((await session.execute(stmt)).scalars())


DESCRIPTION = "Shelling hit the clinic at dawn."


async def describe(user: SimUser, category: str, description: str = DESCRIPTION) -> None:
    """The closing questions: description and source; the summary follows."""
    await user.send(description)
    await pick(user, category, "source_type", "witness")


async def detail(user: SimUser, field: str) -> None:
    """On the summary, Edit a detail the walk does not ask (time of day, place name, ...)."""
    await choose(user, ReportAction.EDIT, field)


async def submit(user: SimUser) -> None:
    await press(user, action_prefix(ReportAction.SUBMIT))


async def finish(user: SimUser, category: str, description: str = DESCRIPTION) -> None:
    """Description, source, no photos, then Submit."""
    await describe(user, category, description)
    await submit(user)


def answers_subset(report: Report, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert report.answers.get(key) == value, (key, report.answers.get(key), value)
