"""The process's send budget, on a controlled clock: slots per rolling second, and a reserve."""

from __future__ import annotations

import pytest

from bot.runtime.send_budget import SendBudget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_come_back_a_second_after_they_were_taken() -> None:
    clock = Clock()
    budget = SendBudget(per_second=3, clock=clock)
    for step in (0.0, 0.2, 0.2):
        clock.now += step
        assert budget.try_take() == 0.0  # at 100.0, 100.2, 100.4
    clock.now += 0.3
    assert budget.try_take() == pytest.approx(0.3)  # the oldest frees at 101.0
    clock.now += 0.3
    assert budget.try_take() == 0.0
    assert budget.try_take() == pytest.approx(0.2)  # the next oldest, 100.2, frees at 101.2


def test_a_reserve_leaves_slots_to_others() -> None:
    clock = Clock()
    budget = SendBudget(per_second=5, clock=clock)
    assert [budget.try_take(reserve=2) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.try_take(reserve=2) > 0  # the sender stops at three of five
    assert budget.try_take() == 0.0 and budget.try_take() == 0.0  # replies still have two
    assert budget.try_take() > 0
