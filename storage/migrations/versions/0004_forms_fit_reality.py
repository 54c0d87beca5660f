"""forms that fit reality: several answers where several are true, a count's frequency

What changed hands (control_change.site_type) and a crossing's status (border_crossing.status)
became multi-choice: a stored single code becomes a list of that one code (codes unchanged).
The border-crossing count was asked "per day" before this revision; it is now asked with
`crossing_flow` (one event or every day), so every earlier report or draft with a count is marked
`crossing_flow = "daily"`, which is what the reporter answered. Downgrade keeps the first code of
a list and drops `crossing_flow`.

Revision ID: 0004_forms_fit_reality
Revises: 0003_data_protection
Create Date: 2026-11-29 23:40:00
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004_forms_fit_reality"
down_revision: str | None = "0003_data_protection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MULTI = {"control_change": ("site_type",), "border_crossing": ("status",)}


def _rewrite(change: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    bind = op.get_bind()
    for table, key in (("reports", "id"), ("drafts", "user_id")):
        rows = sa.table(table, sa.column(key), sa.column("category"), sa.column("answers", sa.JSON))
        query = sa.select(rows.c[key], rows.c.category, rows.c.answers).where(rows.c.category.in_(list(MULTI)))
        for row_key, category, answers in bind.execute(query).all():
            if not isinstance(answers, dict):
                continue
            changed = change(category, dict(answers))
            if changed != answers:
                bind.execute(sa.update(rows).where(rows.c[key] == row_key).values(answers=changed))


def _up(category: str, answers: dict[str, Any]) -> dict[str, Any]:
    for name in MULTI[category]:
        if isinstance(answers.get(name), str):
            answers[name] = [answers[name]]
    if category == "border_crossing" and "people_crossing" in answers:
        answers.setdefault("crossing_flow", "daily")
    return answers


def _down(category: str, answers: dict[str, Any]) -> dict[str, Any]:
    for name in MULTI[category]:
        value = answers.get(name)
        if isinstance(value, list):
            answers[name] = value[0] if value else None
    answers.pop("crossing_flow", None)
    return answers


def upgrade() -> None:
    _rewrite(_up)


def downgrade() -> None:
    _rewrite(_down)
