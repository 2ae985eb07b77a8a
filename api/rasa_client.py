"""Talks to Rasa's REST channel and the action server over loopback, through one shared client."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import anyio
import httpx

from api.settings import Settings


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
    ) -> None:
        self._http = http
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
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings) -> RasaClient:
        """Build the client for the Rasa and action server ports in ``settings``."""
        return cls(
            http,
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
                # httpx's timeout bounds each read; fail_after bounds the whole exchange, so
                # a Rasa that trickles bytes cannot hold a request open forever.
                with anyio.fail_after(self._timeout):
                    response = await self._http.post(webhook, json=body, timeout=self._timeout)
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

    async def ready(self) -> bool:
        """True when Rasa, its REST channel and the action server all answer 200."""
        probes = (
            _url(self._host, self.rasa_port, "/"),
            _url(self._host, self.rasa_port, "/webhooks/rest/"),
            _url(self._host, self._actions_port, "/health"),
        )
        for url in probes:
            try:
                with anyio.fail_after(self._timeout):
                    response = await self._http.get(url, timeout=self._timeout)
            except (TimeoutError, httpx.HTTPError):
                return False
            if response.status_code != 200:
                return False
        return True
