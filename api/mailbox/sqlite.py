"""The mailbox tables in the outbox's SQLite file (``outbox.sqlite3`` in the data folder).

Deleted rows are overwritten (``secure_delete``) and the WAL is emptied after a deletion,
as the outbox does for delivered handoffs, so a forgotten mailbox leaves no ciphertext in
free pages or old WAL frames.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from pathlib import Path
from typing import Final

from api.escalation.outbox.sqlite import OUTBOX_NAME
from api.mailbox.store import Added, Sender, StoredMessage, minute
from kakekomi_ngo.files import PRIVATE_FILE_MODE, ensure_private_dir

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS mailboxes (
    id TEXT PRIMARY KEY,
    last_message_at INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS mailboxes_last ON mailboxes (last_message_at);
CREATE TABLE IF NOT EXISTS mailbox_messages (
    id TEXT PRIMARY KEY,
    mailbox TEXT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('ngo', 'you')),
    ciphertext BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mailbox_messages_mailbox ON mailbox_messages (mailbox, seq);
"""


class SqliteMailboxes:
    """Mailboxes in the outbox's SQLite file; every call runs in a worker thread."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / OUTBOX_NAME
        self._data_dir = data_dir
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    async def open(self) -> None:
        """Create or open the file (0600 in a 0700 folder) and the tables."""
        await asyncio.to_thread(self._open)

    async def close(self) -> None:
        """Close the connection."""
        await asyncio.to_thread(self._close)

    async def create(self, mailbox: str, now: float) -> None:
        """A new, empty mailbox; its 30 days start now."""
        await asyncio.to_thread(self._create, mailbox, minute(now))

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
        return await asyncio.to_thread(
            self._add, mailbox, message_id, sender, ciphertext, minute(now), cutoff
        )

    async def messages(self, mailbox: str, cutoff: float) -> list[StoredMessage] | None:
        """A live mailbox's messages, oldest first; None if it is unknown or expired."""
        return await asyncio.to_thread(self._messages, mailbox, cutoff)

    async def delete(self, mailbox: str) -> bool:
        """Delete a mailbox and its messages at once; True if it existed."""
        return await asyncio.to_thread(self._delete, mailbox)

    async def purge(self, cutoff: float) -> int:
        """Delete every mailbox whose last message is older than the cutoff."""
        return await asyncio.to_thread(self._purge, cutoff)

    def _open(self) -> None:
        with self._lock:
            if self._conn is not None:
                return
            ensure_private_dir(self._data_dir)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
            os.close(fd)
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a stored reply survives a power cut
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_SCHEMA)
            self._conn = conn

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("mailbox store is not open")
        return self._conn

    def _create(self, mailbox: str, at: int) -> None:
        with self._lock:
            self._db().execute(
                "INSERT OR IGNORE INTO mailboxes (id, last_message_at) VALUES (?, ?)",
                (mailbox, at),
            )

    def _add(
        self,
        mailbox: str,
        message_id: str,
        sender: Sender,
        ciphertext: bytes,
        at: int,
        cutoff: float,
    ) -> Added:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute(
                    "SELECT 1 FROM mailbox_messages WHERE id = ?", (message_id,)
                ).fetchone():
                    db.execute("COMMIT")
                    return Added.DUPLICATE
                row = db.execute(
                    "UPDATE mailboxes SET last_message_at = ?, messages = messages + 1"
                    " WHERE id = ? AND last_message_at >= ? RETURNING messages",
                    (at, mailbox, cutoff),
                ).fetchone()
                if row is None:
                    db.execute("COMMIT")
                    return Added.NO_MAILBOX
                db.execute(
                    "INSERT INTO mailbox_messages"
                    " (id, mailbox, seq, sender, ciphertext, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (message_id, mailbox, int(row[0]), sender, ciphertext, at),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return Added.STORED

    def _messages(self, mailbox: str, cutoff: float) -> list[StoredMessage] | None:
        with self._lock:
            db = self._db()
            known = db.execute(
                "SELECT 1 FROM mailboxes WHERE id = ? AND last_message_at >= ?", (mailbox, cutoff)
            ).fetchone()
            if known is None:
                return None
            rows = db.execute(
                "SELECT id, sender, ciphertext FROM mailbox_messages WHERE mailbox = ?"
                " ORDER BY seq",
                (mailbox,),
            ).fetchall()
        return [StoredMessage(str(i), s, bytes(c)) for i, s, c in rows]

    def _delete(self, mailbox: str) -> bool:
        with self._lock:
            db = self._db()
            deleted = db.execute("DELETE FROM mailboxes WHERE id = ?", (mailbox,)).rowcount
            # Copy the WAL back and empty it: the deleted ciphertext must not linger there.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return bool(deleted)

    def _purge(self, cutoff: float) -> int:
        with self._lock:
            db = self._db()
            deleted = db.execute(
                "DELETE FROM mailboxes WHERE last_message_at < ?", (cutoff,)
            ).rowcount
            if deleted:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(deleted)
