"""The SQLite outbox file: private modes, WAL, ciphertext only, no trace after delivery.

The contract both backends keep (leases, states, counts, restarts, two claimers) is in
tests/scale/test_outbox_contract.py, run on SQLite and on a real PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.escalation.outbox import OUTBOX_NAME, SqliteOutbox

pytestmark = pytest.mark.anyio

BODY = b'{"id":"e-1","version":1,"suite":"X25519-HKDF-SHA256-CHACHA20POLY1305","ciphertext":"QUJD"}'


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[SqliteOutbox]:
    box = SqliteOutbox(tmp_path / "data")
    await box.open()
    yield box
    await box.close()


async def test_the_file_is_wal_owner_only_and_holds_only_delivery_state(
    outbox: SqliteOutbox,
) -> None:
    await outbox.enqueue("e-1", BODY)
    data_dir = outbox.path.parent
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for path in data_dir.glob(OUTBOX_NAME + "*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with sqlite3.connect(outbox.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    conn.close()
    assert columns == {
        "id",
        "body",
        "attempts",
        "next_attempt_at",
        "state",
        "created_at",
        "last_status",
    }
    assert tables == {"outbox", "counters"}


async def test_a_delivered_body_leaves_no_trace_in_any_file(outbox: SqliteOutbox) -> None:
    marker = b"MARKER-ciphertext-9f2c" * 20
    await outbox.enqueue("e-1", marker)
    await outbox.enqueue("e-2", BODY)
    assert any(marker in p.read_bytes() for p in outbox.path.parent.iterdir())
    await outbox.delivered("e-1")
    for path in outbox.path.parent.iterdir():
        assert marker[:22] not in path.read_bytes(), path
    stats = await outbox.stats()
    assert stats["delivered"] == 1 and stats["queued"] == 1
