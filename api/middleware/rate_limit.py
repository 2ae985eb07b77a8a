"""Messages per minute per client, counted under a keyed hash of the address.

The address itself is never stored: each client is known by an HMAC of it under a secret
that lives in memory only and is replaced every day, so yesterday's keys cannot be tied
to today's, and nothing on disk or in a memory dump names a client.

With ``KAKEKOMI_REDIS_URL`` several gateways count in one Redis (memory only: no RDB, no
AOF), under one daily secret that the first gateway of the day puts there. If Redis fails,
a message is never refused for it: this gateway counts in its own memory until Redis answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

WINDOW_SECONDS: Final = 60.0
# Beyond this many clients the least recently seen are dropped: memory stays bounded
# even when a flood comes from many addresses.
MAX_CLIENTS: Final = 100_000
_SECONDS_PER_DAY: Final = 86_400
# A message waits at most this long on Redis; after a failure Redis is left alone this long.
REDIS_TIMEOUT_SECONDS: Final = 0.5
REDIS_RETRY_SECONDS: Final = 10.0
_PREFIX: Final = "kakekomi:rate:"

# One atomic step on Redis's own clock (gateways' clocks may differ): drop the times that
# left the window; if the window is full, answer how many microseconds until its oldest
# leaves; else record this message under a random member and answer -1.
_HIT_SCRIPT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return tonumber(oldest[2]) + window - now
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return -1
"""

log = logging.getLogger("kakekomi.rate_limit")


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


def client_key(secret: bytes, address: str) -> bytes:
    """The keyed hash a client is known by: 16 bytes that do not reveal its network."""
    network = client_network(address).encode("utf-8", "replace")
    return hmac.digest(secret, network, hashlib.sha256)[:16]


def _wait_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class RedisWindow:
    """The same sliding window, kept in Redis so that every gateway counts against it."""

    def __init__(
        self, redis: Redis, per_minute: int, window: float, day: Callable[[], int]
    ) -> None:
        self._redis = redis
        self._per_minute = per_minute
        self._window = window
        self._window_us = round(window * 1_000_000)
        self._day = day
        self._secret: tuple[int, bytes] | None = None
        self._script = redis.register_script(_HIT_SCRIPT)

    async def hit(self, address: str) -> int | None:
        """Count one message; None if it may pass, else the whole seconds to wait."""
        key = _PREFIX + client_key(await self._daily_secret(), address).hex()
        args: list[int | str] = [self._window_us, self._per_minute, secrets.token_hex(8)]
        wait_us = int(await self._script(keys=[key], args=args))
        return None if wait_us < 0 else _wait_seconds(wait_us / 1_000_000)

    async def _daily_secret(self) -> bytes:
        # Today's secret, shared by every gateway: the first to ask creates it (SET NX), all
        # read the one that won. It expires a window after the day ends (clocks differ).
        today = self._day()
        if self._secret is None or self._secret[0] != today:
            name = f"{_PREFIX}secret:{today}"
            expires = (today + 1) * _SECONDS_PER_DAY + math.ceil(self._window)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(name, secrets.token_hex(32), nx=True, exat=expires)
                pipe.get(name)
                _, stored = await pipe.execute()
            try:  # bytes or str, whichever way the client decodes answers
                secret = bytes.fromhex(stored.decode() if isinstance(stored, bytes) else stored)
            except (TypeError, ValueError):
                secret = b""
            if len(secret) != 32:
                raise RedisError("no rate-limit secret in Redis")
            self._secret = (today, secret)
        return self._secret[1]


class ClientRateLimiter:
    """A sliding one-minute window of message times per client key."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
        day: Callable[[], int] = _utc_day,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.per_minute = per_minute
        self._window = window
        self._max_clients = max_clients
        self._clock = clock
        self._day = day
        self._today = day()
        self._secret = secrets.token_bytes(32)
        self._hits: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._shared: RedisWindow | None = None
        self._redis_retry_at = 0.0
        self._redis_failing = False

    def __len__(self) -> int:
        return len(self._hits)

    def key(self, address: str) -> bytes:
        """The client's key for today; a new day brings a new secret and a clean slate."""
        today = self._day()
        if today != self._today:
            self._today = today
            self._secret = secrets.token_bytes(32)
            self._hits.clear()
        return client_key(self._secret, address)

    def share(self, redis: Redis | None) -> None:
        """Count in this Redis from now on, with every gateway that uses it; None: in memory."""
        self._shared = (
            None if redis is None else RedisWindow(redis, self.per_minute, self._window, self._day)
        )
        self._redis_retry_at = 0.0
        self._redis_failing = False

    async def check(self, address: str) -> int | None:
        """Count one message, in Redis when shared; None if it may pass, else seconds to wait.

        A Redis that fails or is slow never refuses her message: this gateway counts in
        its own memory instead, and tries Redis again after a pause.
        """
        shared = self._shared
        if shared is not None and self._clock() >= self._redis_retry_at:
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                    wait = await shared.hit(address)
            except (RedisError, OSError, TimeoutError) as error:
                self._redis_retry_at = self._clock() + REDIS_RETRY_SECONDS
                if not self._redis_failing:
                    self._redis_failing = True
                    log.warning(
                        "rate_limit.redis_unavailable error=%s: counting in memory",
                        type(error).__name__,
                    )
            else:
                if self._redis_failing:
                    self._redis_failing = False
                    log.info("rate_limit.redis_restored")
                return wait
        return self.hit(address)

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
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return _wait_seconds(hits[0] + self._window - now)
        hits.append(now)
        return None

    def purge(self) -> int:
        """Drop clients with no message in the window; return how many were dropped."""
        now = self._clock()
        idle = [
            key for key, hits in self._hits.items() if not hits or now - hits[-1] >= self._window
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
            wait = await self.limiter.check(client[0] if client else "")
            if wait is not None:
                response = JSONResponse(
                    {"detail": "too many messages", "retry_after": wait},
                    status_code=429,
                    headers={"retry-after": str(wait)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
