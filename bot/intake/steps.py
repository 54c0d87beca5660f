"""Where the walker goes after an answer or a skip: pure functions over the form, the answers and
the draft's bookkeeping (no session, no screens), so the unit tests can drive them directly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.forms import engine
from bot.forms.engine import Form, FormField
from bot.forms.types import TRANSIENT_STATE

CATEGORY_STEP, SUMMARY_STEP = "@category", "@summary"


@dataclass(frozen=True)
class Step:
    """The draft after a move: its answers, its bookkeeping and the step to show next."""

    answers: dict[str, Any]
    state: dict[str, Any]
    step: str


def _without_transient(state: Mapping[str, Any], *also: str) -> dict[str, Any]:
    dropped = (*TRANSIENT_STATE, *also)
    return {k: v for k, v in state.items() if k not in dropped}


def store(
    form: Form,
    f: FormField,
    answers: Mapping[str, Any],
    state: Mapping[str, Any],
    value: Any,
    also: Mapping[str, Any] | None = None,
) -> Step:
    """Store an answer (with the answers that change with it) and go to the next question; when
    editing from the summary, to the first question the edit left unanswered, else the summary."""
    stored = {**answers, **(also or {})}
    child = f.kind.dependent(form, f)
    if child is not None and stored.get(f.name) != value:
        stored.pop(child.name, None)  # a district belongs to the province it was picked in
    stored[f.name] = value
    stored = engine.prune(form, stored)
    kept = _without_transient(state)
    nxt: FormField | None
    if kept.get("editing"):
        nxt = engine.first_missing(form, stored)
        if child is not None and child.name not in stored:
            nxt = child
    else:
        nxt = _offered(form, f, stored, kept, engine.next_to_ask(form, stored, f.name))
    if nxt is None:
        nxt = engine.first_missing(form, stored)
    if nxt is None:
        kept.pop("editing", None)
    return Step(stored, kept, nxt.name if nxt else SUMMARY_STEP)


def _offered(
    form: Form, f: FormField, answers: Mapping[str, Any], state: Mapping[str, Any], nxt: FormField | None
) -> FormField | None:
    """`nxt`, or an unanswered detail between `f` and it that the walk leaves to the summary but
    that has something waiting to be accepted (the point shared to find the district): asked now."""
    names = [g.name for g in form.fields]
    between = form.fields[names.index(f.name) + 1 : names.index(nxt.name) if nxt else len(names)]
    waiting = (g for g in between if g.name not in answers and g.kind.offered(state))
    return next((g for g in waiting if engine.is_relevant(g, answers)), nxt)


def skip(form: Form, f: FormField, answers: Mapping[str, Any], state: Mapping[str, Any]) -> Step:
    """Leave `f` unanswered (the caller checked it is optional) and go on as after an answer."""
    left = {k: v for k, v in answers.items() if k != f.name}
    kept = _without_transient(state)
    nxt = engine.first_missing(form, left) if kept.get("editing") else engine.next_to_ask(form, left, f.name)
    if nxt is None:
        nxt = engine.first_missing(form, left)
    return Step(engine.prune(form, left), kept, nxt.name if nxt else SUMMARY_STEP)


def back(
    form: Form, f: FormField | None, answers: Mapping[str, Any], state: Mapping[str, Any]
) -> Step | None:
    """The question before `f` (before the summary when None); None at the first question."""
    previous = engine.previous_field(form, answers, f.name if f else None)
    if previous is None:
        return None
    return Step(dict(answers), _without_transient(state, "editing"), previous.name)
