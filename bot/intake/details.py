"""Answers given outside the question being asked: a tap on an earlier multi-choice question still on
screen, a press on an earlier question sent again after its reply was lost, and photos, voice notes
or a location sent at the summary (the optional details the walk does not ask). Pure functions over
the form and the answers, as `bot.intake.steps`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.forms import engine
from bot.forms.actions import ReportAction
from bot.forms.engine import Form, FormField
from bot.forms.types import MEDIA_TYPES
from bot.forms.types.base import Asking, Check, Move, Skip, Store, point
from bot.forms.types.choice import MultiChoiceType
from bot.forms.types.media import MediaType
from bot.intake.presses import walker_press
from bot.intake.steps import SUMMARY_STEP, Step


def amendable(form: Form, name: str, answers: Mapping[str, Any]) -> FormField | None:
    """The answered, relevant multi-choice field `name`, whose earlier question takes taps."""
    if not form.has(name):
        return None
    f = form.field(name)
    if not f.kind.amendable or name not in answers or not engine.is_relevant(f, answers):
        return None
    return f


def amend(
    form: Form, f: FormField, answers: Mapping[str, Any], state: Mapping[str, Any], step: str, arg: str
) -> Step | None:
    """The option `arg` of `f` ticked or unticked; None when that is no option or would leave a
    required answer empty. The step stays unless the change made it irrelevant."""
    kind = f.kind
    assert isinstance(kind, MultiChoiceType)
    chosen = kind.toggled(f, list(answers.get(f.name, [])), arg)
    if chosen is None or (not chosen and f.is_required(answers)):
        return None
    changed = {k: v for k, v in answers.items() if k != f.name} | ({f.name: chosen} if chosen else {})
    changed = engine.prune(form, changed)
    if step != SUMMARY_STEP and form.has(step) and not engine.is_walked(form.field(step), changed):
        nxt = engine.next_to_ask(form, changed, f.name)
        step = nxt.name if nxt else SUMMARY_STEP
    return Step(changed, dict(state), step)


def held(q: Asking, action: ReportAction, arg: str) -> bool:
    """The press on the earlier question `q` would store exactly what the draft holds (or skip, or
    keep, it): the same press sent again after a crash swallowed its reply, while the draft went on.
    `q.state` is a copy: nothing is applied."""
    move: Move | None = q.field.kind.on_press(q, action, arg) or walker_press(q, action)
    if isinstance(move, Skip):  # Skip, or Done with nothing new: what the draft holds stands
        return True
    if isinstance(move, Check):
        verdict = move.verdict
        move = Store(verdict.value) if verdict.ok and not verdict.confirm else None
    if not isinstance(move, Store):
        return False
    wanted = {**move.also, (move.target or q.field).name: move.value}
    return all(name in q.answers and q.answers[name] == value for name, value in wanted.items())


def media_field(form: Form, media: str) -> FormField | None:
    """The relevant field of `form` that takes this kind of media."""
    kind = MEDIA_TYPES.get(media)
    return next((f for f in form.fields if f.kind is kind), None)


def attach(form: Form, answers: Mapping[str, Any], media: str, file_id: str) -> dict[str, Any] | None:
    """The answers with one more file of `media` at the summary; None: the form takes none, or no more."""
    f = media_field(form, media)
    if f is None or not engine.is_relevant(f, answers):
        return None
    kind = f.kind
    assert isinstance(kind, MediaType)
    files = list(answers.get(f.name, []))
    if len(files) >= kind.options(f).max_count:
        return None
    return {**answers, f.name: [*files, file_id]}


def locate(form: Form, answers: Mapping[str, Any], lat: float, lon: float) -> dict[str, Any] | None:
    """The answers with a location shared at the summary; None when the form asks for none."""
    f = next((f for f in form.fields if f.type == "location"), None)
    if f is None or not engine.is_relevant(f, answers):
        return None
    return {**answers, f.name: point(lat, lon)}
