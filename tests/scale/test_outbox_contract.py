"""The outbox's contract, on SQLite (the default) and on a real PostgreSQL (shared).

Each backend is opened through ``make_outbox``, as the gateway does. A second handle on the
same store plays another gateway or a restarted process. SQLite's file-level guarantees
(modes, WAL, no trace after delivery) are in tests/api/escalation/test_escalation_outbox.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from api.escalation.outbox import Claimed, OutboxStore, make_outbox
from api.escalation.settings import EscalationSettings

pytestmark = pytest.mark.anyio

BODY = b'{"id":"e-1","version":1,"suite":"X25519-HKDF-SHA256-CHACHA20POLY1305","ciphertext":"QUJD"}'
# What either backend may hold: ciphertext and delivery state, nothing about her.
COLUMNS = {"id", "body", "attempts", "next_attempt_at", "state", "created_at", "last_status"}
ROWS = "SELECT id, state, attempts, last_status FROM outbox ORDER BY id"


@dataclass
class Store:
    """One outbox store: new handles on it, and SQL on it from outside, as a DBA would."""

    new: Callable[[], OutboxStore]
    query: Callable[[str], list[tuple[Any, ...]]]
    columns_query: str

    def rows(self) -> list[tuple[Any, ...]]:
        """(id, state, attempts, last_status) of every row, by id."""
        return [tuple(row) for row in self.query(ROWS)]

    def columns(self) -> set[str]:
        return {str(row[0]) for row in self.query(self.columns_query)}


def sqlite_store(data_dir: Path) -> Store:
    def query(sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(data_dir / "outbox.sqlite3")
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    settings = EscalationSettings(data_dir=data_dir)
    return Store(
        lambda: make_outbox(settings), query, "SELECT name FROM pragma_table_info('outbox')"
    )


def postgres_store(url: str) -> Store:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()

    settings = EscalationSettings(outbox_url=SecretStr(url))
    return Store(
        lambda: make_outbox(settings),
        query,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'",
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return sqlite_store(tmp_path / "data")
    return postgres_store(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def outbox(store: Store) -> AsyncIterator[OutboxStore]:
    box = store.new()
    await box.open()
    yield box
    await box.close()


async def test_an_enqueued_row_is_committed_and_holds_only_delivery_state(
    store: Store, outbox: OutboxStore
) -> None:
    await outbox.enqueue("e-1", BODY)
    # Read directly, as another process would: there at once, and nothing but these columns.
    assert store.rows() == [("e-1", "queued", 0, None)]
    assert store.columns() == COLUMNS


async def test_rows_survive_closing_and_reopening(store: Store) -> None:
    first = store.new()
    await first.open()
    await first.enqueue("e-1", BODY, now=1000.0)
    await first.enqueue("e-2", BODY + b" ", now=1001.0)
    await first.close()

    second = store.new()
    await second.open()
    try:
        row = await second.claim_due(lease_seconds=10, now=2000.0)
        assert row == Claimed(id="e-1", body=BODY, attempts=1)
        stats = await second.stats(now=2000.0)
        assert stats["queued"] == 2 and stats["oldest_undelivered_age_seconds"] == 1000.0
    finally:
        await second.close()


async def test_a_claimed_row_is_hidden_for_its_lease_then_due_again(outbox: OutboxStore) -> None:
    await outbox.enqueue("e-1", BODY, now=100.0)
    assert await outbox.claim_due(lease_seconds=5, now=100.0) is not None
    assert await outbox.claim_due(lease_seconds=5, now=104.0) is None
    # The worker that claimed it died before an answer: the row comes back, it is not lost.
    again = await outbox.claim_due(lease_seconds=5, now=105.5)
    assert again is not None and again.attempts == 2


async def test_two_gateways_claiming_at_once_never_take_the_same_row(store: Store) -> None:
    first, second = store.new(), store.new()
    await first.open()
    await second.open()
    try:
        ids = [f"e-{n:02d}" for n in range(30)]
        for number, handoff_id in enumerate(ids):
            await (first if number % 2 else second).enqueue(handoff_id, BODY, now=100.0)

        async def drain(box: OutboxStore) -> list[str]:
            taken: list[str] = []
            while (row := await box.claim_due(lease_seconds=60, now=200.0)) is not None:
                taken.append(row.id)
            return taken

        taken = await asyncio.gather(*(drain(box) for box in (first, second, first, second)))
        claimed = [handoff_id for batch in taken for handoff_id in batch]
        assert sorted(claimed) == ids  # every row once, none twice
    finally:
        await first.close()
        await second.close()


async def test_retry_dead_and_delivered_states_and_counts(
    store: Store, outbox: OutboxStore
) -> None:
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
    assert store.rows() == [("a", "retrying", 0, 503), ("b", "dead", 0, 410)]
    await outbox.retry("b", next_attempt_at=600.0, status=503)  # a dead row stays dead
    assert store.rows()[1] == ("b", "dead", 0, 410)


async def test_the_delivered_count_survives_a_restart(store: Store) -> None:
    box = store.new()
    await box.open()
    await box.enqueue("a", BODY)
    await box.delivered("a")
    await box.delivered("a")  # a second worker finishing the same row counts nothing
    await box.close()
    reopened = store.new()
    await reopened.open()
    assert (await reopened.stats())["delivered"] == 1
    assert store.rows() == []
    await reopened.close()


async def test_an_empty_outbox_has_no_oldest_age(outbox: OutboxStore) -> None:
    stats = await outbox.stats()
    assert stats["oldest_undelivered_age_seconds"] is None
    assert await outbox.next_due_at() is None


async def test_a_store_that_is_not_open_says_so(store: Store) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        await store.new().enqueue("a", BODY)
