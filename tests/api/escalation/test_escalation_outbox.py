"""The outbox on a real SQLite file: durable, ciphertext only, leased, counted."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.escalation.outbox import OUTBOX_NAME, Outbox

pytestmark = pytest.mark.anyio

BODY = b'{"id":"e-1","version":1,"suite":"X25519-HKDF-SHA256-CHACHA20POLY1305","ciphertext":"QUJD"}'


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[Outbox]:
    box = Outbox(tmp_path / "data")
    await box.open()
    yield box
    await box.close()


def read_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, body, state, attempts FROM outbox ORDER BY id").fetchall()
    conn.close()
    return rows


async def test_an_enqueued_row_is_committed_before_enqueue_returns(
    outbox: Outbox, tmp_path: Path
) -> None:
    await outbox.enqueue("e-1", BODY)
    # Another connection, as another process would be, sees it at once.
    assert read_rows(outbox.path) == [("e-1", BODY, "queued", 0)]


async def test_rows_survive_closing_and_reopening(tmp_path: Path) -> None:
    first = Outbox(tmp_path / "data")
    await first.open()
    await first.enqueue("e-1", BODY, now=1000.0)
    await first.enqueue("e-2", BODY + b" ", now=1001.0)
    await first.close()

    second = Outbox(tmp_path / "data")
    await second.open()
    try:
        row = await second.claim_due(lease_seconds=10, now=2000.0)
        assert row is not None and (row.id, row.body, row.attempts) == ("e-1", BODY, 1)
        stats = await second.stats(now=2000.0)
        assert stats["queued"] == 2 and stats["oldest_undelivered_age_seconds"] == 1000.0
    finally:
        await second.close()


async def test_the_file_is_wal_owner_only_and_holds_only_delivery_state(outbox: Outbox) -> None:
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


async def test_a_delivered_body_leaves_no_trace_in_any_file(outbox: Outbox) -> None:
    marker = b"MARKER-ciphertext-9f2c" * 20
    await outbox.enqueue("e-1", marker)
    await outbox.enqueue("e-2", BODY)
    assert any(marker in p.read_bytes() for p in outbox.path.parent.iterdir())
    await outbox.delivered("e-1")
    for path in outbox.path.parent.iterdir():
        assert marker[:22] not in path.read_bytes(), path
    stats = await outbox.stats()
    assert stats["delivered"] == 1 and stats["queued"] == 1


async def test_a_claimed_row_is_hidden_for_its_lease(outbox: Outbox) -> None:
    await outbox.enqueue("e-1", BODY, now=100.0)
    assert await outbox.claim_due(lease_seconds=5, now=100.0) is not None
    assert await outbox.claim_due(lease_seconds=5, now=104.0) is None
    again = await outbox.claim_due(lease_seconds=5, now=105.5)
    assert again is not None and again.attempts == 2


async def test_retry_dead_and_delivered_states_and_counts(outbox: Outbox) -> None:
    for name in ("a", "b", "c", "d"):
        await outbox.enqueue(name, BODY, now=100.0)
    await outbox.retry("a", next_attempt_at=500.0, status=503)
    await outbox.dead("b", status=410)
    await outbox.delivered("c")
    stats = await outbox.stats(now=160.0)
    assert stats == {
        "queued": 1,
        "retrying": 1,
        "delivered": 1,
        "dead": 1,
        "oldest_undelivered_age_seconds": 60.0,
    }
    # Only d is due now; a waits for its retry time, b is dead for good.
    claimed = await outbox.claim_due(lease_seconds=5, now=200.0)
    assert claimed is not None and claimed.id == "d"
    assert await outbox.claim_due(lease_seconds=5, now=200.0) is None
    assert await outbox.next_due_at() == 205.0
    await outbox.delivered("d")
    assert await outbox.next_due_at() == 500.0
    with sqlite3.connect(outbox.path) as conn:
        assert conn.execute("SELECT state, last_status FROM outbox WHERE id='b'").fetchone() == (
            "dead",
            410,
        )
    conn.close()


async def test_the_delivered_count_survives_a_restart(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    await box.open()
    await box.enqueue("a", BODY)
    await box.delivered("a")
    await box.delivered("a")  # a second worker finishing the same row counts nothing
    await box.close()
    reopened = Outbox(tmp_path)
    await reopened.open()
    assert (await reopened.stats())["delivered"] == 1
    await reopened.close()


async def test_an_empty_outbox_has_no_oldest_age(outbox: Outbox) -> None:
    stats = await outbox.stats()
    assert stats["oldest_undelivered_age_seconds"] is None
    assert await outbox.next_due_at() is None
