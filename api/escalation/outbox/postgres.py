"""The outbox in PostgreSQL, shared by several gateways: the same rows and states as SQLite.

Only the encrypted body, its random id and delivery state are stored. A claim takes the most
overdue row ``FOR UPDATE SKIP LOCKED`` and moves its next attempt past a lease in the same
statement: two gateways' workers never hold one row at once, and a worker that dies in the
middle of a delivery leaves a row that falls due again when its lease ends (a retry, not a
loss). A delivered row is deleted; PostgreSQL keeps its ciphertext in dead tuples and the
WAL until vacuum and WAL recycling reuse the space.
"""

from __future__ import annotations

from typing import Any, Final, LiteralString

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from api.escalation.outbox.protocol import Claimed, OutboxFigures, current_time, figures

# A call waits at most this long for a connection: a PostgreSQL that is down fails the call
# (she is told it failed; the worker retries) rather than hanging it.
CONNECT_SECONDS: Final = 5
POOL_SECONDS: Final = 5.0
# Any fixed number: gateways starting together create the tables one at a time.
_SCHEMA_LOCK: Final = 0x6B616B656B6F6D69

_SCHEMA: Final[tuple[LiteralString, ...]] = (
    f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})",
    """CREATE TABLE IF NOT EXISTS outbox (
        id TEXT PRIMARY KEY,
        body BYTEA NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'dead')),
        created_at BIGINT NOT NULL,
        last_status INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at)",
    "CREATE TABLE IF NOT EXISTS outbox_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO outbox_counters (name, value) VALUES ('delivered', 0) ON CONFLICT DO NOTHING",
)

_CLAIM: Final = """
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = %s
WHERE id = (
    SELECT id FROM outbox WHERE state != 'dead' AND next_attempt_at <= %s
    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING id, body, attempts
"""
_DELIVERED: Final = """
WITH gone AS (DELETE FROM outbox WHERE id = %s RETURNING id)
UPDATE outbox_counters SET value = value + (SELECT count(*) FROM gone) WHERE name = 'delivered'
"""

Pool = AsyncConnectionPool[AsyncConnection[tuple[Any, ...]]]


async def _create_tables(conn: AsyncConnection[tuple[Any, ...]]) -> None:
    async with conn.transaction():
        for statement in _SCHEMA:
            await conn.execute(statement)


class PostgresOutbox:
    """The outbox tables in the PostgreSQL database that ``KAKEKOMI_OUTBOX_URL`` names."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pool: Pool | None = None

    async def open(self) -> None:
        """Start connecting in the background; each new connection creates missing tables.

        A PostgreSQL that is down does not stop the gateway from starting: the chat goes
        on, escalations fail (and say so) until it is back, and psycopg.pool logs the outage.
        """
        if self._pool is None:
            self._pool = AsyncConnectionPool(
                self._url,
                min_size=1,
                max_size=4,
                open=False,
                timeout=POOL_SECONDS,
                kwargs={"autocommit": True, "connect_timeout": CONNECT_SECONDS},
                configure=_create_tables,
            )
            await self._pool.open(wait=False)

    async def close(self) -> None:
        """Close every connection."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def enqueue(self, handoff_id: str, body: bytes, now: float | None = None) -> None:
        """Store an encrypted body; returns only after the row is committed."""
        at = current_time(now)
        await self._rows(
            "INSERT INTO outbox (id, body, attempts, next_attempt_at, state, created_at)"
            " VALUES (%s, %s, 0, %s, 'queued', %s)",
            (handoff_id, body, at, int(at)),
        )

    async def claim_due(self, lease_seconds: float, now: float | None = None) -> Claimed | None:
        """Take the most overdue row for one attempt, hiding it from others for the lease."""
        at = current_time(now)
        rows = await self._rows(_CLAIM, (at + lease_seconds, at))
        if not rows:
            return None
        handoff_id, body, attempts = rows[0]
        return Claimed(id=str(handoff_id), body=bytes(body), attempts=int(attempts))

    async def delivered(self, handoff_id: str) -> None:
        """Delete a delivered row and count it (once, however many workers report it)."""
        await self._rows(_DELIVERED, (handoff_id,))

    async def retry(self, handoff_id: str, next_attempt_at: float, status: int | None) -> None:
        """Schedule another attempt after a failed one."""
        await self._rows(
            "UPDATE outbox SET state = 'retrying', next_attempt_at = %s, last_status = %s"
            " WHERE id = %s AND state != 'dead'",
            (next_attempt_at, status, handoff_id),
        )

    async def dead(self, handoff_id: str, status: int | None) -> None:
        """Dead-letter a row: kept, counted, never sent again."""
        await self._rows(
            "UPDATE outbox SET state = 'dead', last_status = %s WHERE id = %s",
            (status, handoff_id),
        )

    async def next_due_at(self) -> float | None:
        """When the next row becomes due, or None if nothing waits."""
        rows = await self._rows("SELECT min(next_attempt_at) FROM outbox WHERE state != 'dead'")
        return None if rows[0][0] is None else float(rows[0][0])

    async def stats(self, now: float | None = None) -> OutboxFigures:
        """Counts by state and the age of the oldest row still queued or retrying."""
        at = current_time(now)
        counts = await self._rows("SELECT state, count(*) FROM outbox GROUP BY state")
        delivered = await self._rows("SELECT value FROM outbox_counters WHERE name = 'delivered'")
        oldest = await self._rows("SELECT min(created_at) FROM outbox WHERE state != 'dead'")
        return figures(
            {state: int(count) for state, count in counts},
            int(delivered[0][0]) if delivered else 0,
            None if oldest[0][0] is None else float(oldest[0][0]),
            at,
        )

    async def _rows(
        self, query: LiteralString, params: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        # Autocommit: each statement is its own transaction, committed when this returns.
        if self._pool is None:
            raise RuntimeError("outbox is not open")
        async with self._pool.connection() as conn:
            cursor = await conn.execute(query, params)
            return await cursor.fetchall() if cursor.description is not None else []
