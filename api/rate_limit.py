"""Messages per minute per client, counted in memory under a keyed hash of the address.

The address itself is never stored: each client is known by an HMAC of it under a secret
that lives in memory only and is replaced every day, so yesterday's keys cannot be tied
to today's, and nothing on disk or in a memory dump names a client.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Final

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_SECONDS: Final = 60.0
# Beyond this many clients the least recently seen are dropped: memory stays bounded
# even when a flood comes from many addresses.
MAX_CLIENTS: Final = 100_000
_SECONDS_PER_DAY: Final = 86_400


def _utc_day() -> int:
    return int(time.time() // _SECONDS_PER_DAY)


def client_network(address: str) -> str:
    """The unit a limit applies to: an IPv4 address, or the /64 an IPv6 host can roam in."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP (a test client, a Unix socket): use it as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class ClientRateLimiter:
    """A sliding one-minute window of message times per client key."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
        day: Callable[[], int] = _utc_day,
    ) -> None:
        self.per_minute = per_minute
        self._max_clients = max_clients
        self._clock = clock
        self._day = day
        self._today = day()
        self._secret = secrets.token_bytes(32)
        self._hits: OrderedDict[bytes, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hits)

    def key(self, address: str) -> bytes:
        """The client's key for today; a new day brings a new secret and a clean slate."""
        today = self._day()
        if today != self._today:
            self._today = today
            self._secret = secrets.token_bytes(32)
            self._hits.clear()
        network = client_network(address).encode("utf-8", "replace")
        return hmac.digest(self._secret, network, hashlib.sha256)[:16]

    def hit(self, address: str) -> int | None:
        """Count one message; None if it may pass, else the whole seconds to wait."""
        key = self.key(address)
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.per_minute)
            while len(self._hits) > self._max_clients:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and now - hits[0] >= WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + WINDOW_SECONDS - now))
        hits.append(now)
        return None

    def purge(self) -> int:
        """Drop clients with no message in the window; return how many were dropped."""
        now = self._clock()
        idle = [
            key for key, hits in self._hits.items() if not hits or now - hits[-1] >= WINDOW_SECONDS
        ]
        for key in idle:
            del self._hits[key]
        return len(idle)


class RateLimit:
    """Answer 429 with ``Retry-After`` to a client past its limit, before its body is read."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: ClientRateLimiter,
        routes: frozenset[tuple[str, str]] = frozenset({("POST", "/api/chat")}),
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request if it is a message; refuse it if the client is over its limit."""
        if scope["type"] == "http" and (scope["method"], scope["path"]) in self.routes:
            client = scope.get("client")
            wait = self.limiter.hit(client[0] if client else "")
            if wait is not None:
                response = JSONResponse(
                    {"detail": "too many messages", "retry_after": wait},
                    status_code=429,
                    headers={"retry-after": str(wait)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
