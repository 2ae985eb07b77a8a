"""Talks to Rasa's REST channel and the action server over loopback (messages and probes apart)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, Final

import anyio
import httpx

from api.settings import Settings

# Readiness is probed at most this often, whoever asks (a /readyz flood costs Rasa nothing),
# each probe waiting at most READY_TIMEOUT_SECONDS.
READY_CACHE_SECONDS: Final = 2.0
READY_TIMEOUT_SECONDS: Final = 5.0
# The three probes of one readiness check, by name: Rasa, its REST channel, the actions.
READY_CHECKS: Final = ("rasa", "rest_channel", "actions")
# A message never waits for a pooled connection (see rasa_http): this only catches a
# poisoned pool, which is then replaced.
POOL_TIMEOUT_SECONDS: Final = 1.0


def rasa_http(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """The client messages go to Rasa through: a connection for each of them, and some spare.

    With more connections than messages let through at once, a message never waits in the
    pool; the pool timeout is only a guard, and a message is never cancelled while it waits
    there (httpcore 1.0.9 can leave such a connection stuck "connecting", encode/httpcore#1093).
    """
    spare = settings.rasa_max_concurrency + 8
    return httpx.AsyncClient(
        transport=transport,
        limits=httpx.Limits(max_connections=spare, max_keepalive_connections=spare),
        trust_env=False,  # never the system proxy
    )


def probe_http(transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """Readiness's own small client: probes never take a connection a message needs."""
    return httpx.AsyncClient(
        transport=transport,
        limits=httpx.Limits(max_connections=len(READY_CHECKS)),
        trust_env=False,
    )


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer; ``reason`` is a fixed word, never content."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"rasa unavailable: {reason}")
        self.reason = reason


@lru_cache(maxsize=64)
def _url(host: str, port: int, path: str) -> httpx.URL:
    # Built once per Rasa port: httpx parses a URL given as a string on every request.
    return httpx.URL(scheme="http", host=host, port=port, path=path)


class OneAtATime:
    """One lock per conversation, dropped once nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, anyio.Lock] = {}
        self._users: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Wait until no other message of this conversation is with Rasa, then hold it."""
        lock = self._locks.setdefault(key, anyio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


class RasaClient:
    """A thin wrapper over the gateway's shared ``httpx.AsyncClient``.

    During a model swap two Rasa processes share the conversations (the conversation store);
    ``switch`` sends new messages to the new one while those in flight finish on the old one,
    and one conversation never has two messages with Rasa at once, so none overtakes another.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        rasa_host: str,
        rasa_port: int,
        actions_port: int,
        timeout: float,
        max_concurrency: int = 16,
        queue_seconds: float = 1.0,
        probe: httpx.AsyncClient | None = None,
        renew: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        self._http = http
        self._probe = http if probe is None else probe
        # Builds a fresh client when the pool is poisoned (a message timed out in it).
        self._renew = renew
        self._ready: tuple[float, int, dict[str, bool]] | None = None  # when, port, checks
        self._probing: anyio.Event | None = None
        self._timeout = timeout
        # Bounds the messages waiting on Rasa at once: when Rasa hangs, a few requests wait
        # out the timeout and the rest are answered with the fallback at once.
        self._slots = anyio.CapacityLimiter(max_concurrency)
        self._queue_seconds = queue_seconds
        self._host = rasa_host
        self._actions_port = actions_port
        self.rasa_port = rasa_port
        self._in_flight: Counter[int] = Counter()
        self._drained: dict[int, anyio.Event] = {}
        self._conversations = OneAtATime()

    @classmethod
    def from_settings(
        cls,
        http: httpx.AsyncClient,
        settings: Settings,
        *,
        probe: httpx.AsyncClient | None = None,
        renew: Callable[[], httpx.AsyncClient] | None = None,
    ) -> RasaClient:
        """Build the client for the Rasa and action server ports in ``settings``."""
        return cls(
            http,
            probe=probe,
            renew=renew,
            rasa_host=settings.rasa_host,
            rasa_port=settings.rasa_port,
            actions_port=settings.actions_port,
            timeout=settings.rasa_timeout_seconds,
            max_concurrency=settings.rasa_max_concurrency,
            queue_seconds=settings.rasa_queue_seconds,
        )

    async def _take_slot(self) -> None:
        try:
            self._slots.acquire_nowait()
            return
        except anyio.WouldBlock:
            pass
        with anyio.move_on_after(self._queue_seconds):
            await self._slots.acquire()
            return
        raise RasaUnavailable("busy")

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Send one message to Rasa and return its replies; raise RasaUnavailable on failure."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        async with self._conversations.hold(sender):
            await self._take_slot()
            port = self.rasa_port  # read and counted with no await between: switch sees it
            self._in_flight[port] += 1
            webhook = _url(self._host, port, "/webhooks/rest/webhook")
            try:
                # Cancelled while it waits for a pooled connection, a request can leave that
                # connection stuck "connecting" and, one by one, the pool (httpcore#1093):
                # httpx's own pool timeout ends that wait, and the bound on the whole
                # exchange (a Rasa that trickles bytes) only starts counting after it.
                with anyio.fail_after(self._timeout + POOL_TIMEOUT_SECONDS):
                    response = await self._http.post(
                        webhook,
                        json=body,
                        timeout=httpx.Timeout(self._timeout, pool=POOL_TIMEOUT_SECONDS),
                    )
            except httpx.PoolTimeout:
                await self._renew_pool()
                raise RasaUnavailable("timeout") from None
            except (TimeoutError, httpx.TimeoutException):
                raise RasaUnavailable("timeout") from None
            except httpx.ConnectError:
                raise RasaUnavailable("connect") from None
            except httpx.HTTPError:
                raise RasaUnavailable("transport") from None
            finally:
                self._in_flight[port] -= 1
                if not self._in_flight[port]:
                    del self._in_flight[port]
                    if (drained := self._drained.pop(port, None)) is not None:
                        drained.set()
                self._slots.release()
        if not response.is_success:
            raise RasaUnavailable(f"status {response.status_code}")
        try:
            replies = response.json()
        except ValueError:
            raise RasaUnavailable("invalid json") from None
        if not isinstance(replies, list):
            raise RasaUnavailable("not a list")
        return [reply for reply in replies if isinstance(reply, dict)]

    async def switch(self, port: int) -> bool:
        """Send new messages to the Rasa on ``port``; True once the old one has none in flight.

        Each message is bounded by the timeout, so the old Rasa drains within it.
        """
        old, self.rasa_port = self.rasa_port, port
        if old == port or not self._in_flight[old]:
            return True
        drained = self._drained.setdefault(old, anyio.Event())
        with anyio.move_on_after(self._timeout + 1):
            await drained.wait()
        return drained.is_set()

    async def _renew_pool(self) -> None:
        # More connections than messages at once: a pool timeout means the pool is poisoned
        # (connections stuck), so new messages go through a fresh client from now on.
        if self._renew is None:
            return
        stale, self._http = self._http, self._renew()
        with anyio.move_on_after(1.0, shield=True):
            await stale.aclose()

    async def aclose(self) -> None:
        """Close the clients this one uses."""
        await self._http.aclose()
        await self._probe.aclose()

    async def ready(self) -> bool:
        """True when Rasa, its REST channel and the action server all answer 200."""
        return all((await self.checks()).values())

    async def checks(self) -> dict[str, bool]:
        """Which of Rasa, its REST channel and the action server answer 200.

        Probed at most once per READY_CACHE_SECONDS, by one probe at a time however many
        ask: the callers of a flood share one answer and Rasa sees three requests.
        """
        while True:
            port = self.rasa_port
            cached = self._ready
            if (
                cached is not None
                and cached[1] == port
                and anyio.current_time() - cached[0] < READY_CACHE_SECONDS
            ):
                return cached[2]
            if self._probing is None:
                break
            await self._probing.wait()  # another caller is probing: share its answer
        self._probing = probing = anyio.Event()
        try:
            # Shielded: a caller that goes away never cuts the probe the others wait for.
            with anyio.CancelScope(shield=True):
                result = await self._probe_all(port)
            self._ready = (anyio.current_time(), port, result)
        finally:
            self._probing = None
            probing.set()
        return result

    async def _probe_all(self, port: int) -> dict[str, bool]:
        urls = (
            _url(self._host, port, "/"),
            _url(self._host, port, "/webhooks/rest/"),
            _url(self._host, self._actions_port, "/health"),
        )
        result = dict.fromkeys(READY_CHECKS, False)

        async def probe(name: str, url: httpx.URL) -> None:
            try:
                response = await self._probe.get(url, timeout=READY_TIMEOUT_SECONDS)
            except httpx.HTTPError:
                return
            result[name] = response.status_code == 200

        async with anyio.create_task_group() as tasks:
            for name, url in zip(READY_CHECKS, urls, strict=True):
                tasks.start_soon(probe, name, url)
        return result
