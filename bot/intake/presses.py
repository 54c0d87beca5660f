"""The walker's own answers to a question: Yes, Keep, No and Skip pressed, and a checked answer
stored, held for a Yes/No or explained. Pure: they change only the question's bookkeeping."""

from __future__ import annotations

from bot.forms.actions import ReportAction
from bot.forms.engine import Verdict
from bot.forms.types.base import Asking, Confirm, Explain, Move, Redraw, Skip, Stale, Store


def walker_press(q: Asking, action: ReportAction) -> Move:
    """The buttons every question has: Yes/Keep, No and Skip."""
    if action is ReportAction.ACCEPT:
        pending = q.state.pop("pending", None)
        if isinstance(pending, dict) and pending.get("field") == q.field.name:
            return q.field.kind.accept(q, pending)
        if q.field.name in q.answers:  # "Keep": the current answer stays
            return Store(q.answers[q.field.name])
        return Stale()
    if action is ReportAction.REFUSE:
        q.state.pop("pending", None)
        return Redraw()
    if action is ReportAction.SKIP:
        return Skip()
    return Stale()


def decide(q: Asking, verdict: Verdict) -> Store | Confirm | Explain:
    """A checked answer: stored, held for a Yes/No, or explained (also on the pressed button)."""
    if not verdict.ok:
        return Explain(verdict.error or "", alert=True)
    if verdict.confirm:
        q.state["pending"] = {"field": q.field.name, "value": verdict.value}
        return Confirm(verdict.confirm)
    return Store(verdict.value)
