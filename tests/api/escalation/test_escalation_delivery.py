"""The delivery worker against real HTTP servers on 127.0.0.1: a real receiver, a scripted NGO."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from api.escalation.delivery import (
    MAX_RETRY_AFTER_SECONDS,
    DeliveryWorker,
    Outcome,
    classify,
    make_client,
    next_delay,
    parse_retry_after,
)
from api.escalation.outbox import SqliteOutbox
from kakekomi_ngo import protocol
from kakekomi_ngo.keys import load_or_create_signing_key, load_signing_public_key

if TYPE_CHECKING:
    from tests.api.escalation.conftest import Ngo, ScriptedNgo, StartReceiver, Waiter

pytestmark = pytest.mark.anyio

FAST = (0.2, 0.2, 0.2, 0.2)


def handoff(handoff_id: str) -> dict[str, Any]:
    return {
        "id": handoff_id,
        "created_at": "2025-01-31T09:41:00Z",
        "language": "en",
        "urgency": "normal",
        "topics": ["request_help"],
        "words": ["please help me leave"],
        "contact": None,
    }


@asynccontextmanager
async def running_worker(
    tmp_path: Path,
    ngo: Ngo,
    url: str,
    *,
    ids: Sequence[str] = ("e-1",),
    schedule: Sequence[float] = FAST,
    request_timeout: float = 2.0,
) -> AsyncIterator[SqliteOutbox]:
    """An outbox holding encrypted handoffs and a worker delivering them to url."""
    outbox = SqliteOutbox(tmp_path / "data")
    await outbox.open()
    for handoff_id in ids:
        body = protocol.encrypt_handoff(handoff(handoff_id), ngo.key.public_key())
        await outbox.enqueue(handoff_id, body)
    async with make_client(request_timeout) as client:
        worker = DeliveryWorker(
            outbox=outbox,
            client=client,
            url=url,
            signing_key=load_or_create_signing_key(ngo.signing_path),
            schedule=schedule,
            timeout=request_timeout,
        )
        task = asyncio.create_task(worker.run())
        try:
            yield outbox
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    await outbox.close()


def delivered(outbox: SqliteOutbox, count: int = 1) -> Any:
    async def check() -> bool:
        stats = await outbox.stats()
        return stats["delivered"] == count and stats["queued"] + stats["retrying"] == 0

    return check


def dead(outbox: SqliteOutbox, count: int = 1) -> Any:
    async def check() -> bool:
        return (await outbox.stats())["dead"] == count

    return check


async def test_round_trip_to_the_real_receiver(
    tmp_path: Path, ngo: Ngo, start_receiver: StartReceiver, wait_until: Waiter
) -> None:
    receiver = start_receiver(ngo)
    async with running_worker(tmp_path, ngo, receiver.url, ids=("e-1", "e-2")) as outbox:
        await wait_until(delivered(outbox, 2))
    files = receiver.handoff_files()
    assert [f.name for f in files] == ["e-1.json", "e-2.json"]
    assert json.loads(files[0].read_text("utf-8")) == handoff("e-1")


async def test_ngo_down_then_up(
    tmp_path: Path,
    ngo: Ngo,
    start_receiver: StartReceiver,
    unused_port: int,
    wait_until: Waiter,
) -> None:
    url = f"http://127.0.0.1:{unused_port}/"
    async with running_worker(tmp_path, ngo, url, schedule=(0.3,) * 20) as outbox:

        async def retrying() -> bool:
            return (await outbox.stats())["retrying"] == 1

        await wait_until(retrying)
        await asyncio.sleep(0.7)  # a couple more refused connections
        receiver = start_receiver(ngo, port=unused_port)
        await wait_until(delivered(outbox))
    assert [f.name for f in receiver.handoff_files()] == ["e-1.json"]


async def test_500_is_retried_and_every_attempt_is_signed(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter
) -> None:
    scripted_ngo.expect(500)
    scripted_ngo.expect(503)
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(delivered(outbox))
    posts = scripted_ngo.posts()
    assert len(posts) == 3
    sender = load_signing_public_key(ngo.signing_public_path)
    for post in posts:
        assert post.headers["content-type"] == "application/json"
        assert protocol.verify_headers(post.headers, post.body, [sender]) == "e-1"
        assert post.body == posts[0].body


async def test_429_waits_for_retry_after_and_signs_afresh(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter
) -> None:
    scripted_ngo.expect(429, {"Retry-After": "2"})
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(delivered(outbox))
    first, second = scripted_ngo.posts()
    assert second.at - first.at >= 1.9  # not the 0.2 s of the schedule
    assert int(second.headers["webhook-timestamp"]) > int(first.headers["webhook-timestamp"])
    assert second.headers["webhook-signature"] != first.headers["webhook-signature"]


@pytest.mark.parametrize("status", [410, 400, 401, 404, 422])
async def test_410_and_other_4xx_dead_letter_at_once(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter, status: int
) -> None:
    scripted_ngo.expect(status)
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(dead(outbox))
        await asyncio.sleep(0.5)  # longer than the retry schedule: nothing more is sent
        stats = await outbox.stats()
    assert len(scripted_ngo.posts()) == 1
    assert stats["dead"] == 1 and stats["delivered"] == 0 and stats["retrying"] == 0


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_not_followed_and_dead_letters(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter, status: int
) -> None:
    scripted_ngo.expect(status, {"Location": f"http://127.0.0.1:{scripted_ngo.port}/elsewhere"})
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(dead(outbox))
        await asyncio.sleep(0.3)
    assert [r.path for r in scripted_ngo.requests] == ["/hook"]


async def test_a_slow_answer_times_out_and_is_retried(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter
) -> None:
    scripted_ngo.expect(200, delay=5)
    started = time.monotonic()
    async with running_worker(tmp_path, ngo, scripted_ngo.url, request_timeout=0.5) as outbox:
        await wait_until(delivered(outbox))
    assert len(scripted_ngo.posts()) == 2
    assert time.monotonic() - started < 4  # gave up on the slow one rather than waiting


async def test_an_exhausted_schedule_dead_letters(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter
) -> None:
    for _ in range(5):
        scripted_ngo.expect(503)
    async with running_worker(tmp_path, ngo, scripted_ngo.url, schedule=(0.1, 0.1)) as outbox:
        await wait_until(dead(outbox))
    assert len(scripted_ngo.posts()) == 3


def test_status_classes() -> None:
    assert classify(200) is classify(204) is Outcome.DELIVERED
    assert classify(429) is classify(500) is classify(503) is Outcome.RETRY
    for status in (301, 302, 400, 404, 410, 413):
        assert classify(status) is Outcome.DEAD


def test_retry_after_in_seconds_or_an_http_date() -> None:
    now = time.time()
    assert parse_retry_after("120", now) == 120
    from_date = parse_retry_after(formatdate(now + 90, usegmt=True), now)
    assert from_date is not None and 88 <= from_date <= 91
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_retry_after_only_ever_lengthens_the_wait() -> None:
    schedule = (5.0, 300.0)
    assert next_delay(schedule, 1, None) == 5.0
    assert next_delay(schedule, 1, 60.0) == 60.0
    assert next_delay(schedule, 2, 1.0) == 300.0
    assert next_delay(schedule, 3, None) is None
    assert next_delay(schedule, 1, 10.0**9) == 86400.0


# Retry-After values no NGO should send, each of which must still end in a bounded wait:
# a year beyond any calendar, a zone offset beyond any clock, thousands of digits.
ABSURD_RETRY_AFTER = (
    "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
    "Sat, 01 Jan 2000 00:00:00 +99999999999999999999",
    "9" * 5000,
    "Fri, 31 Dec 9999 23:59:59 -2359",
)


@pytest.mark.parametrize("value", ABSURD_RETRY_AFTER, ids=["year", "zone", "digits", "far"])
async def test_an_absurd_retry_after_on_200_still_delivers_once(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter, value: str
) -> None:
    scripted_ngo.expect(200, {"Retry-After": value})
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(delivered(outbox))
        await asyncio.sleep(0.5)  # longer than the schedule: nothing more is sent
    assert len(scripted_ngo.posts()) == 1


@pytest.mark.parametrize("value", ABSURD_RETRY_AFTER[:2], ids=["year", "zone"])
async def test_an_unreadable_retry_after_on_503_retries_on_the_schedule(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter, value: str
) -> None:
    scripted_ngo.expect(503, {"Retry-After": value})
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:
        await wait_until(delivered(outbox))
    assert len(scripted_ngo.posts()) == 2


@pytest.mark.parametrize("value", ABSURD_RETRY_AFTER[2:], ids=["digits", "far"])
async def test_a_huge_retry_after_on_503_waits_at_most_a_day(
    tmp_path: Path, ngo: Ngo, scripted_ngo: ScriptedNgo, wait_until: Waiter, value: str
) -> None:
    scripted_ngo.expect(503, {"Retry-After": value})
    async with running_worker(tmp_path, ngo, scripted_ngo.url) as outbox:

        async def retrying() -> bool:
            return (await outbox.stats())["retrying"] == 1

        await wait_until(retrying)
        due = await outbox.next_due_at()
        await asyncio.sleep(0.5)  # longer than the schedule: it waits for the header's day
    assert len(scripted_ngo.posts()) == 1
    assert due is not None and due <= time.time() + MAX_RETRY_AFTER_SECONDS


@pytest.mark.parametrize("value", [*ABSURD_RETRY_AFTER, "x" * 100_000, "１２０", "nan"])
def test_parse_retry_after_never_raises_and_never_exceeds_a_day(value: str) -> None:
    seconds = parse_retry_after(value, time.time())
    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER_SECONDS
