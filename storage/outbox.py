"""Outbox: messages to send, each with a unique key so writing one twice is harmless."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.vocabulary import DeliveryOutcome, OutboxKind, OutboxStatus
from storage.coordination import SENDERS
from storage.db import insert_or_skip
from storage.models import Delivery, Outbox, utcnow

# Rows per INSERT statement on SQLite (`enqueue_many`): 50 rows of 10 columns stay well under
# SQLite's limit of 32,766 parameters.
ROWS_PER_INSERT = 50
_Bind = tuple[str, Callable[[Any], Any] | None]  # a parameter's column and its bind processor

# The keys of the senders' advisory locks held now in this database (two-key locks show as
# classid, objid and objsubid 2 in pg_locks).
LIVE_SENDERS: Select[tuple[int]] = (
    select(literal_column("objid::text::bigint"))
    .select_from(text("pg_locks"))
    .where(
        text(
            f"locktype = 'advisory' AND classid = {SENDERS} AND objsubid = 2 AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: OutboxKind,
    text: str,
    subscription_id: int | None = None,
    parse_mode: str | None = None,
) -> bool:
    """Add a message unless one with `key` exists; True if added. Part of the caller's transaction."""
    row = Outbox(
        key=key,
        chat_id=chat_id,
        kind=OutboxKind(kind),  # callers may pass the plain string; model_dump wants the member
        text=text,
        subscription_id=subscription_id,
        parse_mode=parse_mode,
    )  # the model fills the defaults (status, timestamps)
    data = row.model_dump(exclude={"id"})
    stmt = insert_or_skip(session, Outbox, "key").values(**data)
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def enqueue_many(session: AsyncSession, messages: Sequence[Mapping[str, Any]]) -> int:
    """`enqueue` for many messages (dicts of its keyword arguments) in few statements; returns how
    many were new. Part of the caller's transaction."""
    if not messages:
        return 0
    now = utcnow()
    # Column by column, as both databases take them: a row's optional fields default to None, and
    # the state of a new message is the same for every row.
    fixed = {"status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
    names = tuple(dict.fromkeys(["subscription_id", "parse_mode", *messages[0], *fixed]))
    columns = {
        name: [fixed[name]] * len(messages) if name in fixed else [m.get(name) for m in messages]
        for name in names
    }
    table = Outbox.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect if session.bind is not None else None
    if dialect is None or dialect.name == "sqlite":
        # Rows go to the driver as tuples, each value through its column's bind processor once per
        # distinct value (a run's timestamp, kind and status are one value each): SQLAlchemy's own
        # executemany built and processed a parameter dict per row, ~0.4 s of a 30,000-row run.
        sql, binds = _insert_tuples(dialect, table, names)
        bound = [_bound_column(bind, columns[name]) for name, bind in binds]
        rows = list(zip(*bound, strict=True))
        # ROWS_PER_INSERT rows per statement, run for each chunk (sqlite3's executemany; its
        # rowcount is the rows added), the rest one by one: a statement per row cost a digest run
        # ~10% of its time. Two statements only: sqlite3 keeps each cached statement's last bound
        # values, and multi-row INSERTs of every batch size held ~250 MB of digest text that way.
        whole = len(rows) - len(rows) % ROWS_PER_INSERT
        connection = await session.connection()
        added = 0
        if whole:
            many, _binds = _insert_tuples(dialect, table, names, ROWS_PER_INSERT)
            chunks = [
                tuple(chain.from_iterable(rows[n : n + ROWS_PER_INSERT]))
                for n in range(0, whole, ROWS_PER_INSERT)
            ]
            added += int(getattr(await connection.exec_driver_sql(many, chunks), "rowcount", 0))
        if whole < len(rows):
            added += int(getattr(await connection.exec_driver_sql(sql, rows[whole:]), "rowcount", 0))
        return added
    # One statement for all the rows, each column sent as one array and unnested by the server:
    # executed for many rows (multi-row INSERTs with RETURNING, to count the new ones), SQLAlchemy's
    # building of their parameters took a third of a digest run's inserts (~0.5 s of ~1.8 s for
    # 30,000 rows).
    return int(getattr(await session.execute(_insert_arrays(table, names), columns), "rowcount", 0))


@cache
def _insert_tuples(
    dialect: Dialect | None, table: Table, names: tuple[str, ...], rows: int = 1
) -> tuple[str, list[_Bind]]:
    """INSERT of `rows` rows ... ON CONFLICT (key) DO NOTHING compiled for `dialect` with positional
    parameters, and one row's parameters (column name, bind processor) in the statement's order."""
    compiled = (
        sqlite_insert(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .values([{name: bindparam(f"{name}__{n}") for name in names} for n in range(rows)])
        .compile(dialect=dialect or sqlite_dialect())
    )
    order = [name.rsplit("__", 1)[0] for name in (compiled.positiontup or [])]
    row = order[: len(names)]
    assert order == row * rows  # each row's parameters in the same order
    return str(compiled), [(name, table.c[name].type.bind_processor(compiled.dialect)) for name in row]


def _bound_column(bind: Callable[[Any], Any] | None, values: list[Any]) -> list[Any]:
    if bind is None:
        return values
    done: dict[Any, Any] = {}
    return [done[v] if v in done else done.setdefault(v, bind(v)) for v in values]


@cache
def _insert_arrays(table: Table, names: tuple[str, ...]) -> Insert:
    """INSERT ... SELECT FROM unnest(one array parameter per column) ON CONFLICT (key) DO NOTHING
    (PostgreSQL), whose row count is the rows added."""
    arrays = [bindparam(name, type_=ARRAY(table.c[name].type)) for name in names]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    return (
        pg_insert(table)
        .from_select(list(names), select(*unnested.c))
        .on_conflict_do_nothing(index_elements=["key"])
    )


class OutboxRepository:
    """The sender's reads and state changes on outbox rows; each change is conditional on the state
    it expects, so two senders (or a sender and a restart) never both act on one row."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(self, now: datetime, limit: int) -> list[Outbox]:
        """Pending rows due at `now`, at most one per chat: the chat's oldest unsent row. A chat's
        messages thus go out in the order they were queued (a later part never overtakes one
        waiting for its retry), and a batch spans as many chats as it has rows.

        Chats with the most messages still to go come first, then the oldest: a chat receives one
        message a second, so a five-part digest started last would trail the rest of a fan-out by
        four seconds of near-idle sending."""
        # Each chat's oldest unsent row, by one grouped scan (a correlated NOT EXISTS is planned
        # as a loop over every pending row when the statistics are stale: seconds for 15,000 rows).
        heads = (
            select(func.min(col(Outbox.id)).label("id"), func.count().label("queued"))
            .where(col(Outbox.status).in_(OutboxStatus.QUEUED))
            .group_by(col(Outbox.chat_id))
            .subquery()
        )
        stmt = (
            select(Outbox)
            .join(heads, heads.c.id == col(Outbox.id))
            .where(col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.next_attempt_at) <= now)
            .order_by(heads.c.queued.desc(), col(Outbox.id))
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def next_attempt_at(self) -> datetime | None:
        stmt = select(func.min(col(Outbox.next_attempt_at))).where(col(Outbox.status) == OutboxStatus.PENDING)
        value: datetime | None = (await self.session.execute(stmt)).scalar_one_or_none()
        if value is not None and value.tzinfo is None:  # min() bypasses the column type on SQLite
            value = value.replace(tzinfo=UTC)
        return value

    async def depth(self) -> int:
        stmt = select(func.count()).select_from(Outbox).where(col(Outbox.status).in_(OutboxStatus.QUEUED))
        return int((await self.session.execute(stmt)).scalar_one())

    async def claim(self, outbox_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.status) == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=col(Outbox.attempts) + 1)
        )
        return bool(getattr(result, "rowcount", 0))

    async def claim_many(self, ids: Sequence[int], now: datetime, claimer: int | None = None) -> list[int]:
        """Claim the rows that are still pending; returns the ids this call claimed.

        On PostgreSQL the rows another replica's sender is claiming at this moment are skipped
        (`FOR UPDATE SKIP LOCKED`) rather than waited for: that replica sends them, this one the
        rest. SQLite has one writer and one instance, so its plain conditional UPDATE suffices."""
        if not ids:
            return []
        pending = col(Outbox.id).in_(ids), col(Outbox.status) == OutboxStatus.PENDING
        where = pending
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            free = select(col(Outbox.id)).where(*pending).with_for_update(skip_locked=True)
            where = (col(Outbox.id).in_(free.scalar_subquery()), pending[1])
        result = await self.session.execute(
            update(Outbox)
            .where(*where)
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=now,
                claimed_by=claimer,
                attempts=col(Outbox.attempts) + 1,
            )
            .returning(col(Outbox.id))
        )
        return [row[0] for row in result.all() if row[0] is not None]

    async def release_stale(self, claimed_before: datetime) -> int:
        """Back to pending: rows left in `sending`, by no sender known to be alive (`claimed_by`
        unset: SQLite, `khabar send-now`), for longer than a live sender ever keeps one."""
        result = await self.session.execute(
            update(Outbox)
            .where(
                col(Outbox.status) == OutboxStatus.SENDING,
                col(Outbox.claimed_by).is_(None),
                col(Outbox.claimed_at) < claimed_before,
            )
            .values(status=OutboxStatus.PENDING, claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0))

    async def release_orphaned(self) -> int:
        """Back to pending at once (PostgreSQL): rows in `sending` whose sender's lock is gone,
        because its process died (PostgreSQL frees a dead connection's locks at once)."""
        result = await self.session.execute(
            update(Outbox)
            .where(
                col(Outbox.status) == OutboxStatus.SENDING,
                col(Outbox.claimed_by).is_not(None),
                col(Outbox.claimed_by).not_in(LIVE_SENDERS),
            )
            .values(status=OutboxStatus.PENDING, claimed_at=None, claimed_by=None)
        )
        return int(getattr(result, "rowcount", 0))

    async def finish(
        self,
        row: Outbox,
        *,
        status: OutboxStatus,
        outcome: DeliveryOutcome,
        now: datetime,
        message_id: int | None = None,
        detail: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record one attempt (a deliveries row) and move the claimed row to `status`.

        `next_attempt_at`: for a row going back to pending, when to try it again; for a sent row,
        when its chat may receive the next one — written on the chat's waiting rows, so the
        per-chat pace holds whichever replica sends the next."""
        assert row.id is not None
        values: dict[str, object] = {"status": status, "claimed_at": None, "claimed_by": None}
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        if detail is not None:
            values["error"] = detail[:500]
        if next_attempt_at is not None and status == OutboxStatus.SENT:
            await self.session.execute(
                update(Outbox)
                .where(
                    col(Outbox.chat_id) == row.chat_id,
                    col(Outbox.status) == OutboxStatus.PENDING,
                    col(Outbox.next_attempt_at) < next_attempt_at,
                )
                .values(next_attempt_at=next_attempt_at)
            )
        elif next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        await self.session.execute(
            update(Outbox)
            .where(col(Outbox.id) == row.id, col(Outbox.status) == OutboxStatus.SENDING)
            .values(**values)
        )
        self.session.add(
            Delivery(
                outbox_id=row.id,
                chat_id=row.chat_id,
                message_id=message_id,
                outcome=outcome,
                detail=detail[:500] if detail else None,
                at=now,
            )
        )
        await self.session.flush()

    async def fail_chat(self, chat_id: int, reason: str) -> int:
        """Fail every unsent row for a chat that can no longer be reached (the user blocked the bot)."""
        result = await self.session.execute(
            update(Outbox)
            .where(col(Outbox.chat_id) == chat_id, col(Outbox.status) == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, error=reason)
        )
        return int(getattr(result, "rowcount", 0))
