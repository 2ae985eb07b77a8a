"""Messages per minute, counted under keyed hashes: per conversation, or per client for a new one.

Only well-formed chat messages count (the chat route counts them once validated): posts a
web page or someone on her network makes up cost her nothing. A conversation in progress
has its own allowance, so nobody sharing her address can use hers up; a new conversation
counts against its client (an IPv4 address or an IPv6 /64) and, for IPv6, its /48 too, so
a whole /48's 65,536 /64s share one larger allowance.

The address itself is never stored: each client is known by an HMAC of it under a secret
that lives in memory only and is replaced every day, so yesterday's keys cannot be tied to
today's and nothing on disk names a client. A memory dump holds today's secret, so a key
found in it can be tested against guessed addresses. What the dump cannot do is tie a key to
a conversation any closer than its times allow: conversations are counted under keys of their
own, and every time kept here or with the sessions is coarse (whole seconds here, a minute
there), never the microseconds that once matched a client's last message with a
conversation's. At a quiet hour, when one conversation began in that minute, the minute
itself still narrows it down: that is what a coarse clock cannot hide.

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
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse

WINDOW_SECONDS: Final = 60.0
# Beyond this many keys the least recently seen are dropped: memory stays bounded (about
# 1 KiB each at 30 a minute) even when a flood comes from many addresses.
MAX_CLIENTS: Final = 100_000
# A new conversation's allowance for a whole IPv6 /48, by default: 8 clients' worth.
PER_48_FACTOR: Final = 8
_SECONDS_PER_DAY: Final = 86_400
# A message waits at most this long on Redis; after a failure Redis is left alone this long.
REDIS_TIMEOUT_SECONDS: Final = 0.5
REDIS_RETRY_SECONDS: Final = 10.0
_PREFIX: Final = "kakekomi:rate:"

# One atomic step on Redis's own clock (gateways' clocks may differ), in whole seconds:
# for each key (ARGV: window seconds, a random member, then each key's limit)
# drop the times that left the window; if any window is full, answer the seconds until it
# has room; else record this message in every key and answer -1.
_HIT_SCRIPT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1])
local window = tonumber(ARGV[1])
local wait = -1
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
    end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('EXPIRE', key, window)
end
return -1
"""

Bucket = tuple[str, int]  # what is counted (a network, a conversation) and its limit

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


def ipv6_site(address: str) -> str | None:
    """The /48 of an IPv6 address (one site's allocation); None for anything else."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if not isinstance(ip, ipaddress.IPv6Address) or ip.ipv4_mapped is not None:
        return None
    return str(ipaddress.IPv6Network((ip, 48), strict=False))


def client_key(secret: bytes, address: str) -> bytes:
    """The keyed hash a client is known by: 16 bytes that do not reveal its network."""
    return bucket_key(secret, client_network(address))


def bucket_key(secret: bytes, name: str) -> bytes:
    """The keyed hash a bucket is known by: 16 bytes that do not reveal what it counts."""
    return hmac.digest(secret, name.encode("utf-8", "replace"), hashlib.sha256)[:16]


def _wait_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class RedisWindow:
    """The same sliding window, kept in Redis so that every gateway counts against it."""

    def __init__(self, redis: Redis, window: float, day: Callable[[], int]) -> None:
        self._redis = redis
        self._window = window
        self._window_s = max(1, math.ceil(window))
        self._day = day
        self._secret: tuple[int, bytes] | None = None
        self._script = redis.register_script(_HIT_SCRIPT)

    async def hit(self, buckets: list[Bucket]) -> int | None:
        """Count one message in every bucket; None if it may pass, else seconds to wait."""
        secret = await self._daily_secret()
        keys = [_PREFIX + bucket_key(secret, name).hex() for name, _ in buckets]
        args: list[int | str] = [self._window_s, secrets.token_hex(8)]
        args += [limit for _, limit in buckets]
        wait = int(await self._script(keys=keys, args=args))
        return None if wait < 0 else _wait_seconds(wait)

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
    """A sliding one-minute window of message times (whole seconds) per key."""

    def __init__(
        self,
        per_minute: int,
        *,
        per_48: int | None = None,
        total: int | None = None,
        scope: str = "",
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
        day: Callable[[], int] = _utc_day,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.per_minute = per_minute
        self.per_48 = per_minute * PER_48_FACTOR if per_48 is None else per_48
        # Everyone's new requests together (reply-code guesses from a botnet), if set.
        self.total = total
        # Counted apart from other limiters' buckets, also in a Redis they share.
        self._scope = scope
        self._window = window
        self._max_clients = max_clients
        self._clock = clock
        self._day = day
        self._today = day()
        self._secret = secrets.token_bytes(32)
        # A short list per key (at most its limit, whole seconds): about 0.2 KiB, where a
        # deque of float times took 1.6 KiB (163 MB at MAX_CLIENTS keys).
        self._hits: OrderedDict[bytes, list[int]] = OrderedDict()
        self._shared: RedisWindow | None = None
        self._redis_retry_at = 0.0
        self._redis_failing = False

    def __len__(self) -> int:
        return len(self._hits)

    def key(self, name: str) -> bytes:
        """A bucket's key for today; a new day brings a new secret and a clean slate."""
        today = self._day()
        if today != self._today:
            self._today = today
            self._secret = secrets.token_bytes(32)
            self._hits.clear()
        return bucket_key(self._secret, name)

    def buckets(self, address: str, conversation: str | None = None) -> list[Bucket]:
        """What one message counts against: its conversation's own allowance if it has one,
        else its client's, for IPv6 its /48's, and everyone's if there is a total."""
        if conversation is not None:
            return [(f"{self._scope}conversation {conversation}", self.per_minute)]
        counted = [(self._scope + client_network(address), self.per_minute)]
        site = ipv6_site(address)
        if site is not None:
            counted.append((self._scope + site, self.per_48))
        if self.total is not None:
            counted.append((f"{self._scope}everyone", self.total))
        return counted

    def share(self, redis: Redis | None) -> None:
        """Count in this Redis from now on, with every gateway that uses it; None: in memory."""
        self._shared = None if redis is None else RedisWindow(redis, self._window, self._day)
        self._redis_retry_at = 0.0
        self._redis_failing = False

    async def check(self, address: str, conversation: str | None = None) -> int | None:
        """Count one message, in Redis when shared; None if it may pass, else seconds to wait.

        ``conversation``: the id of the conversation in progress it belongs to, if any.
        A Redis that fails or is slow never refuses her message: this gateway counts in
        its own memory instead, and tries Redis again after a pause.
        """
        buckets = self.buckets(address, conversation)
        shared = self._shared
        if shared is not None and self._clock() >= self._redis_retry_at:
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                    wait = await shared.hit(buckets)
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
        return self.hit(address, conversation)

    def hit(self, address: str, conversation: str | None = None) -> int | None:
        """Count one message in memory; None if it may pass, else the whole seconds to wait."""
        now = self._clock()
        counted = [
            (self._window_of(self.key(name)), limit)
            for name, limit in self.buckets(address, conversation)
        ]
        waits = [
            hits[0] + self._window - now
            for hits, limit in counted
            if len(self._prune(hits, now)) >= limit
        ]
        if waits:
            return _wait_seconds(max(waits))
        for hits, _ in counted:
            hits.append(math.floor(now))  # whole seconds: see the module's docstring
        return None

    def _window_of(self, key: bytes) -> list[int]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = []
            while len(self._hits) > self._max_clients:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        return hits

    def _prune(self, hits: list[int], now: float) -> list[int]:
        gone = next((i for i, hit in enumerate(hits) if now - hit < self._window), len(hits))
        del hits[:gone]
        return hits

    def purge(self) -> int:
        """Drop clients with no message in the window; return how many were dropped."""
        now = self._clock()
        idle = [
            key for key, hits in self._hits.items() if not hits or now - hits[-1] >= self._window
        ]
        for key in idle:
            del self._hits[key]
        return len(idle)


def too_many_messages(wait: int) -> JSONResponse:
    """The 429 answer: how long to wait, in its body and in ``Retry-After``."""
    return JSONResponse(
        {"detail": "too many messages", "retry_after": wait},
        status_code=429,
        headers={"retry-after": str(wait)},
    )
