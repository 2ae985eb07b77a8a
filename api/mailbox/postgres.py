"""The mailbox tables in the outbox's PostgreSQL database (``KAKEKOMI_OUTBOX_URL``).

Adding a message locks its mailbox row (the UPDATE), so two gateways adding to one mailbox
at once number its messages one after the other. Deleted rows stay in dead tuples and the
WAL until vacuum and WAL recycling reuse the space, as the outbox's delivered rows do.
"""

from __future__ import annotations

from typing import Any, Final, LiteralString

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from api.escalation.outbox.postgres import CONNECT_SECONDS, POOL_SECONDS
from api.mailbox.store import Added, Sender, StoredMessage, minute

# Not the outbox's: gateways starting together create these tables one at a time.
_SCHEMA_LOCK: Final = 0x6B616B656B6F6D6A

_SCHEMA: Final[tuple[LiteralString, ...]] = (
    f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})",
    """CREATE TABLE IF NOT EXISTS mailboxes (
        id TEXT PRIMARY KEY,
        last_message_at BIGINT NOT NULL,
        messages INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS mailboxes_last ON mailboxes (last_message_at)",
    """CREATE TABLE IF NOT EXISTS mailbox_messages (
        id TEXT PRIMARY KEY,
        mailbox TEXT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        sender TEXT NOT NULL CHECK (sender IN ('ngo', 'you')),
        ciphertext BYTEA NOT NULL,
        created_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS mailbox_messages_mailbox ON mailbox_messages (mailbox, seq)",
)

Connection = AsyncConnection[tuple[Any, ...]]


class _StoredMeanwhile(Exception):
    """Another gateway stored the same id between our check and our insert."""


async def _create_tables(conn: Connection) -> None:
    async with conn.transaction():
        for statement in _SCHEMA:
            await conn.execute(statement)


class PostgresMailboxes:
    """Mailboxes in the PostgreSQL database that ``KAKEKOMI_OUTBOX_URL`` names."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pool: AsyncConnectionPool[Connection] | None = None

    async def open(self) -> None:
        """Start connecting in the background; each new connection creates missing tables."""
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

    def _connection(self) -> Any:
        if self._pool is None:
            raise RuntimeError("mailbox store is not open")
        return self._pool.connection()

    async def create(self, mailbox: str, now: float) -> None:
        """A new, empty mailbox; its 30 days start now."""
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO mailboxes (id, last_message_at) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (mailbox, minute(now)),
            )

    async def add(
        self,
        mailbox: str,
        message_id: str,
        sender: Sender,
        ciphertext: bytes,
        now: float,
        cutoff: float,
    ) -> Added:
        """Store a sealed message in a live mailbox; a known id changes nothing."""
        at = minute(now)
        try:
            async with self._connection() as conn, conn.transaction():
                known = await conn.execute(
                    "SELECT 1 FROM mailbox_messages WHERE id = %s", (message_id,)
                )
                if await known.fetchone() is not None:
                    return Added.DUPLICATE
                cursor = await conn.execute(
                    "UPDATE mailboxes SET last_message_at = %s, messages = messages + 1"
                    " WHERE id = %s AND last_message_at >= %s RETURNING messages",
                    (at, mailbox, cutoff),
                )
                row = await cursor.fetchone()
                if row is None:
                    return Added.NO_MAILBOX
                cursor = await conn.execute(
                    "INSERT INTO mailbox_messages"
                    " (id, mailbox, seq, sender, ciphertext, created_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
                    (message_id, mailbox, int(row[0]), sender, ciphertext, at),
                )
                if await cursor.fetchone() is None:
                    raise _StoredMeanwhile  # rolls the count and the time back
        except _StoredMeanwhile:
            return Added.DUPLICATE
        return Added.STORED

    async def messages(self, mailbox: str, cutoff: float) -> list[StoredMessage] | None:
        """A live mailbox's messages, oldest first; None if it is unknown or expired."""
        async with self._connection() as conn:
            known = await conn.execute(
                "SELECT 1 FROM mailboxes WHERE id = %s AND last_message_at >= %s",
                (mailbox, cutoff),
            )
            if await known.fetchone() is None:
                return None
            cursor = await conn.execute(
                "SELECT id, sender, ciphertext FROM mailbox_messages WHERE mailbox = %s"
                " ORDER BY seq",
                (mailbox,),
            )
            rows = await cursor.fetchall()
        return [StoredMessage(str(i), s, bytes(c)) for i, s, c in rows]

    async def delete(self, mailbox: str) -> bool:
        """Delete a mailbox and its messages at once; True if it existed."""
        async with self._connection() as conn:
            cursor = await conn.execute("DELETE FROM mailboxes WHERE id = %s", (mailbox,))
            return bool(cursor.rowcount)

    async def purge(self, cutoff: float) -> int:
        """Delete every mailbox whose last message is older than the cutoff."""
        async with self._connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM mailboxes WHERE last_message_at < %s", (cutoff,)
            )
            return int(cursor.rowcount)
