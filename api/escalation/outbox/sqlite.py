"""The durable outbox in SQLite: ciphertext bodies and delivery state, nothing else.

Only the already encrypted POST body is stored, with its random id and delivery state: no
language, urgency or anything she wrote. Every call runs the blocking sqlite3 work in a
thread (asyncio.to_thread) so the event loop never waits on the disk. With
``KAKEKOMI_OUTBOX_URL`` the same outbox lives in PostgreSQL instead (``postgres``).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from pathlib import Path
from typing import Final

from api.escalation.outbox.protocol import Claimed, OutboxFigures, current_time, figures
from kakekomi_ngo.files import PRIVATE_FILE_MODE, ensure_private_dir

OUTBOX_NAME: Final = "outbox.sqlite3"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'dead')),
    created_at INTEGER NOT NULL,
    last_status INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('delivered', 0);
"""


class SqliteOutbox:
    """A SQLite outbox file in the data folder, shared safely by several processes."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / OUTBOX_NAME
        self._data_dir = data_dir
        self._conn: sqlite3.Connection | None = None
        # One connection shared by to_thread's workers: serialise its use.
        self._lock = threading.Lock()

    async def open(self) -> None:
        """Create or open the file (0600 in a 0700 folder) and its tables."""
        await asyncio.to_thread(self._open)

    async def close(self) -> None:
        """Close the connection."""
        await asyncio.to_thread(self._close)

    async def enqueue(self, handoff_id: str, body: bytes, now: float | None = None) -> None:
        """Store an encrypted body; returns only after the row is committed to disk."""
        await asyncio.to_thread(self._enqueue, handoff_id, body, current_time(now))

    async def claim_due(self, lease_seconds: float, now: float | None = None) -> Claimed | None:
        """Take the most overdue row for one attempt, hiding it from others for the lease."""
        return await asyncio.to_thread(self._claim_due, lease_seconds, current_time(now))

    async def delivered(self, handoff_id: str) -> None:
        """Delete a delivered row and count it."""
        await asyncio.to_thread(self._delivered, handoff_id)

    async def retry(self, handoff_id: str, next_attempt_at: float, status: int | None) -> None:
        """Schedule another attempt after a failed one."""
        await asyncio.to_thread(self._retry, handoff_id, next_attempt_at, status)

    async def dead(self, handoff_id: str, status: int | None) -> None:
        """Dead-letter a row: kept, counted, never sent again."""
        await asyncio.to_thread(self._dead, handoff_id, status)

    async def next_due_at(self) -> float | None:
        """When the next row becomes due, or None if nothing waits."""
        return await asyncio.to_thread(self._next_due_at)

    async def stats(self, now: float | None = None) -> OutboxFigures:
        """Counts by state and the age of the oldest row still queued or retrying."""
        return await asyncio.to_thread(self._stats, current_time(now))

    # Blocking parts, run in a worker thread.

    def _open(self) -> None:
        with self._lock:
            if self._conn is not None:
                return
            ensure_private_dir(self._data_dir)
            # Create the file 0600 ourselves: SQLite gives -wal and -shm the same mode.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
            os.close(fd)
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a row we told her is queued must survive a power cut, not only a crash
            # (NORMAL in WAL mode can lose the last commits on power loss). Writes are rare.
            conn.execute("PRAGMA synchronous=FULL")
            # Overwrite deleted rows' pages with zeros instead of leaving them in free pages.
            conn.execute("PRAGMA secure_delete=ON")
            conn.executescript(_SCHEMA)
            self._conn = conn

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("outbox is not open")
        return self._conn

    def _enqueue(self, handoff_id: str, body: bytes, now: float) -> None:
        with self._lock:
            self._db().execute(
                "INSERT INTO outbox (id, body, attempts, next_attempt_at, state, created_at)"
                " VALUES (?, ?, 0, ?, 'queued', ?)",
                (handoff_id, body, now, int(now)),
            )

    def _claim_due(self, lease_seconds: float, now: float) -> Claimed | None:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT id, body, attempts FROM outbox"
                    " WHERE state != 'dead' AND next_attempt_at <= ?"
                    " ORDER BY next_attempt_at LIMIT 1",
                    (now,),
                ).fetchone()
                if row is None:
                    db.execute("COMMIT")
                    return None
                attempts = int(row[2]) + 1
                db.execute(
                    "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                    (attempts, now + lease_seconds, row[0]),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return Claimed(id=str(row[0]), body=bytes(row[1]), attempts=attempts)

    def _delivered(self, handoff_id: str) -> None:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                deleted = db.execute("DELETE FROM outbox WHERE id = ?", (handoff_id,)).rowcount
                if deleted:
                    db.execute(
                        "UPDATE counters SET value = value + ? WHERE name = 'delivered'", (deleted,)
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            # Copy the WAL back and empty it, so the delivered ciphertext does not linger in
            # old WAL frames; secure_delete has already zeroed it in the database pages.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _retry(self, handoff_id: str, next_attempt_at: float, status: int | None) -> None:
        with self._lock:
            self._db().execute(
                "UPDATE outbox SET state = 'retrying', next_attempt_at = ?, last_status = ?"
                " WHERE id = ? AND state != 'dead'",
                (next_attempt_at, status, handoff_id),
            )

    def _dead(self, handoff_id: str, status: int | None) -> None:
        with self._lock:
            self._db().execute(
                "UPDATE outbox SET state = 'dead', last_status = ? WHERE id = ?",
                (status, handoff_id),
            )

    def _next_due_at(self) -> float | None:
        with self._lock:
            row = (
                self._db()
                .execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state != 'dead'")
                .fetchone()
            )
        return None if row is None or row[0] is None else float(row[0])

    def _stats(self, now: float) -> OutboxFigures:
        with self._lock:
            db = self._db()
            counts = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
            delivered = db.execute("SELECT value FROM counters WHERE name = 'delivered'").fetchone()
            oldest = db.execute(
                "SELECT MIN(created_at) FROM outbox WHERE state != 'dead'"
            ).fetchone()
        return figures(
            counts,
            int(delivered[0]) if delivered else 0,
            None if oldest is None else oldest[0],
            now,
        )
