"""The delivery worker: POST due outbox rows to the NGO, signed afresh at each attempt.

2xx deletes the row; a network error, a timeout, 5xx or 429 retries on the schedule (or
later, if Retry-After asks for more); 3xx, 410 and any other 4xx dead-letter it, as does an
exhausted schedule. Delivery is at least once: a crash between the POST and the delete only
resends, and the NGO drops duplicates by id.

Run on its own with ``python -m api.escalation.delivery`` (reads the ``KAKEKOMI_*`` settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Final

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519

from api.escalation.outbox import Claimed, OutboxStore, make_outbox
from api.escalation.settings import EscalationSettings, signing_key_path
from kakekomi_ngo.keys import load_or_create_signing_key
from kakekomi_ngo.protocol import sign_headers

log = logging.getLogger("kakekomi.escalation")

# How long a claimed row stays hidden from other workers beyond the request timeout.
LEASE_MARGIN_SECONDS: Final = 2.0
# Wake up at least this often, to see rows queued by another process.
POLL_SECONDS: Final = 5.0
# A Retry-After beyond this is taken as this (a broken server must not park a row for years).
MAX_RETRY_AFTER_SECONDS: Final = 86400.0
# An HTTP date is 29 characters; anything much longer is not one, and is not parsed at all.
MAX_RETRY_AFTER_CHARS: Final = 64
USER_AGENT: Final = "kakekomi-escalation/1"


class Outcome(Enum):
    """What one attempt means for the row."""

    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


def classify(status: int) -> Outcome:
    """Map an NGO answer to delivered, retry (5xx, 429) or dead (3xx, 410, other 4xx)."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.DEAD


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds (at most a day) a Retry-After header asks for; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # float, not int: thousands of digits give inf (capped), not int's digit-limit error.
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    if len(value) > MAX_RETRY_AFTER_CHARS:
        return None
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    # A year or zone offset beyond what datetime holds raises OverflowError, not ValueError.
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def next_delay(schedule: Sequence[float], attempts: int, retry_after: float | None) -> float | None:
    """Seconds before the next attempt after `attempts` failures, or None when exhausted."""
    if attempts > len(schedule):
        return None
    delay = schedule[attempts - 1]
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def make_client(
    timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The NGO client: TLS verified, redirects never followed, a timeout, no proxy from env."""
    return httpx.AsyncClient(
        verify=True,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        transport=transport,
        headers={"user-agent": USER_AGENT},
    )


class DeliveryWorker:
    """Delivers due rows one at a time until stopped."""

    def __init__(
        self,
        *,
        outbox: OutboxStore,
        client: httpx.AsyncClient,
        url: str,
        signing_key: ed25519.Ed25519PrivateKey,
        schedule: Sequence[float],
        timeout: float,
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._url = url
        self._signing_key = signing_key
        self._schedule = tuple(schedule)
        self._timeout = timeout
        self._lease = timeout + LEASE_MARGIN_SECONDS
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due rows now (called after an enqueue)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever; cancel the task to stop."""
        while True:
            # Cleared before looking, so an enqueue during this pass still wakes the next wait.
            self._wake.clear()
            try:
                while await self.deliver_one():
                    pass
                await self._sleep_until_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A disk or database error must not kill the worker; try again shortly.
                log.exception("escalation.worker_error")
                await asyncio.sleep(POLL_SECONDS)

    async def _sleep_until_due(self) -> None:
        due = await self._outbox.next_due_at()
        wait = POLL_SECONDS if due is None else min(POLL_SECONDS, max(0.0, due - time.time()))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def deliver_one(self) -> bool:
        """Make one attempt on the most overdue row; False when nothing is due."""
        row = await self._outbox.claim_due(self._lease)
        if row is None:
            return False
        await self._attempt(row)
        return True

    async def _attempt(self, row: Claimed) -> None:
        headers = sign_headers(row.id, row.body, self._signing_key)
        headers["content-type"] = "application/json"
        try:
            # httpx's timeout is per operation; this bounds the whole attempt within the lease.
            async with (
                asyncio.timeout(self._timeout),
                self._client.stream(
                    "POST", self._url, content=row.body, headers=headers
                ) as response,
            ):
                status = response.status_code
                raw_retry_after = response.headers.get("retry-after")
        except (httpx.TransportError, TimeoutError) as exc:
            await self._failed(row, None, None, type(exc).__name__)
            return
        outcome = classify(status)
        if outcome is Outcome.DELIVERED:
            await self._outbox.delivered(row.id)
            log.info(
                "escalation.delivered id=%s attempts=%d status=%d", row.id, row.attempts, status
            )
        elif outcome is Outcome.RETRY:
            retry_after = parse_retry_after(raw_retry_after, time.time())
            await self._failed(row, status, retry_after, f"http-{status}")
        else:
            await self._outbox.dead(row.id, status)
            log.warning("escalation.dead id=%s attempts=%d status=%d", row.id, row.attempts, status)

    async def _failed(
        self, row: Claimed, status: int | None, retry_after: float | None, reason: str
    ) -> None:
        delay = next_delay(self._schedule, row.attempts, retry_after)
        if delay is None:
            await self._outbox.dead(row.id, status)
            log.warning(
                "escalation.dead id=%s attempts=%d reason=%s schedule-exhausted",
                row.id,
                row.attempts,
                reason,
            )
            return
        await self._outbox.retry(row.id, time.time() + delay, status)
        log.info(
            "escalation.retry id=%s attempts=%d reason=%s in=%.1fs",
            row.id,
            row.attempts,
            reason,
            delay,
        )


async def run_standalone(settings: EscalationSettings) -> None:
    """Run the worker alone until SIGTERM or SIGINT."""
    if settings.ngo_url is None:
        raise SystemExit("KAKEKOMI_NGO_URL is not set: escalations cannot be delivered")
    outbox = make_outbox(settings)
    await outbox.open()
    signing_key = await asyncio.to_thread(load_or_create_signing_key, signing_key_path(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with make_client(settings.delivery_timeout) as client:
        worker = DeliveryWorker(
            outbox=outbox,
            client=client,
            url=settings.ngo_url,
            signing_key=signing_key,
            schedule=settings.retry_schedule,
            timeout=settings.delivery_timeout,
        )
        task = asyncio.create_task(worker.run())
        log.info("escalation.worker_started")
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await outbox.close()


def main() -> None:
    """Entry point of ``python -m api.escalation.delivery``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_standalone(EscalationSettings()))


if __name__ == "__main__":
    main()
