"""The report buttons' wire format: what `ReportPress` writes is what earlier versions wrote, so
buttons already in chats keep working, and it reads back to the same meaning."""

from __future__ import annotations

import pytest

from bot.forms.actions import Press, ReportAction
from handlers.callbacks import ReportPress

TOKEN = "abcdefgh"


@pytest.mark.parametrize(
    ("press", "wire"),
    [
        (Press(ReportAction.CATEGORY, "health_attack"), "rep:k:health_attack"),
        (Press(ReportAction.RESUME, TOKEN), "rep:r:abcdefgh"),
        (Press(ReportAction.SUBMIT, TOKEN), "rep:ok:abcdefgh"),
        (Press(ReportAction.EDIT, TOKEN, "cause"), "rep:e:abcdefgh:cause"),
        (Press(ReportAction.DONE, TOKEN, "photos"), "rep:d:abcdefgh:photos"),
        (Press(ReportAction.OPTION, TOKEN, "time_of_day", "0"), "rep:o:abcdefgh:time_of_day:0"),
        (Press(ReportAction.PLACE, TOKEN, "province", "AF0101"), "rep:p:abcdefgh:province:AF0101"),
    ],
)
def test_wire_format_is_unchanged(press: Press, wire: str) -> None:
    assert ReportPress.of(press).pack() == wire
    assert ReportPress.parse(wire) == ReportPress.of(press)


def test_unknown_actions_still_parse_so_the_walker_can_call_them_outdated() -> None:
    assert ReportPress.parse("rep:zz") == ReportPress(None)
    assert ReportPress.parse("rep:o:abcdefgh:time_of_day:0:extra") == ReportPress(
        ReportAction.OPTION, TOKEN, "time_of_day", "0"
    )
    assert ReportPress.parse("mod:ap:1:2") is None
