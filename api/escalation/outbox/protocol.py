"""What every outbox offers and the figures it reports, SQLite or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# typing_extensions' TypedDict, not typing's: pydantic needs it before Python 3.12 to use the
# figures as the admin route's answer. (FastAPI and pydantic depend on typing_extensions.)
from typing_extensions import TypedDict


class OutboxFigures(TypedDict):
    """Operator figures: counts and an age, never content."""

    queued: int
    retrying: int
    delivered: int
    dead: int
    oldest_undelivered_age_seconds: float | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row taken for one delivery attempt."""

    id: str
    body: bytes
    attempts: int


class OutboxStore(Protocol):
    """What the service and the delivery worker need of an outbox, SQLite or PostgreSQL."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def enqueue(self, handoff_id: str, body: bytes, now: float | None = None) -> None: ...
    async def claim_due(self, lease_seconds: float, now: float | None = None) -> Claimed | None: ...
    async def delivered(self, handoff_id: str) -> None: ...
    async def retry(self, handoff_id: str, next_attempt_at: float, status: int | None) -> None: ...
    async def dead(self, handoff_id: str, status: int | None) -> None: ...
    async def next_due_at(self) -> float | None: ...
    async def stats(self, now: float | None = None) -> OutboxFigures: ...


def figures(
    counts: Mapping[str, int], delivered: int, oldest_created_at: float | None, now: float
) -> OutboxFigures:
    """The figures from counts by state, the delivered counter and the oldest undelivered row."""
    return OutboxFigures(
        queued=int(counts.get("queued", 0)),
        retrying=int(counts.get("retrying", 0)),
        delivered=delivered,
        dead=int(counts.get("dead", 0)),
        oldest_undelivered_age_seconds=(
            None if oldest_created_at is None else max(0.0, now - oldest_created_at)
        ),
    )


def current_time(now: float | None) -> float:
    """``now`` if a caller (a test) gives it, else the wall clock, as the rows record it."""
    return time.time() if now is None else now
