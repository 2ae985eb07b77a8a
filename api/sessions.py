"""Conversations, kept in this process's memory or, to scale out, in a shared Redis.

Either way nothing is written to disk (the Redis is run without RDB or AOF) and a session
is forgotten after an idle period. With Redis, several gateways behind a load balancer
serve one conversation: a message may reach any of them.

A new conversation is kept only once Rasa has answered its first message and she is still
there to receive its id (``save``); their number is capped (``max_sessions``), and a full
store answers with the emergency numbers. Times are kept coarse (a minute, or the idle
period's tenth if shorter): a memory dump cannot match a conversation's last message with a
client's rate-limit entry by the microsecond.

Two messages of one session at once (the widget waits for each answer, so only a retry
after a timeout or another client does this) race on the language and her last texts:
the last to be saved wins. The handoff she awaits never races: it is set by a save and
removed only by ``take_handoff``, atomically, so it is never lost and never sent twice.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeGuard

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.language import LANGUAGES, Language
from kakekomi_common import redis_keys

# token_urlsafe(24): 24 random bytes (192 bits), 32 URL-safe characters.
_ID_BYTES: Final = 24
_ID_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{32}")
RECENT_TEXTS: Final = 5
# Sessions kept at once, by default: about 9 KiB each at most, so about 180 MB.
MAX_SESSIONS: Final = 20_000
_GRAIN_SECONDS: Final = 60.0

Handoff = dict[str, Any]


def new_session_id() -> str:
    """Return a fresh, unguessable session id."""
    return secrets.token_urlsafe(_ID_BYTES)


def is_session_id(value: str | None) -> TypeGuard[str]:
    """Whether a client's value has the shape of our ids (not whether it exists)."""
    return value is not None and _ID_SHAPE.fullmatch(value) is not None


@dataclass(slots=True)
class Session:
    """One anonymous conversation; nothing here is ever written to disk."""

    id: str
    language: Language | None = None
    # The person's own last messages, for an escalation she consents to; memory only.
    recent_texts: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_TEXTS))
    # After her yes: the handoff's urgency and topics, until she answers the contact question.
    pending_handoff: Handoff | None = None
    # Not stored yet: its first message has not been answered.
    new: bool = False


def time_grain(idle_seconds: float) -> float:
    """How coarse kept times are: a minute, or a tenth of a shorter idle period."""
    return min(_GRAIN_SECONDS, idle_seconds / 10)


def coarse(now: float, grain: float) -> float:
    """``now`` rounded up to the grain: a session never expires early, at most a grain late."""
    return math.ceil(now / grain) * grain


class SessionsUnavailable(RuntimeError):
    """The shared session store (Redis) cannot be reached: nothing was read or kept."""


class SessionsFull(RuntimeError):
    """The store holds ``max_sessions`` conversations: a new one is not kept."""


class SessionStore(Protocol):
    """Where the gateway keeps conversations (``MemorySessionStore``, ``RedisSessionStore``)."""

    async def open(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, unsaved one."""
        ...

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, saved one."""
        ...

    async def full(self) -> bool:
        """Whether a new session would be refused (``max_sessions`` are kept)."""
        ...

    async def save(self, session: Session) -> None:
        """Keep its language, texts and any handoff it awaits, unless it was forgotten.

        A new session is stored here (``SessionsFull`` when the store is full).
        """
        ...

    async def take_handoff(self, session: Session) -> Handoff | None:
        """Remove and return the handoff it awaits; of two messages at once, one gets it."""
        ...

    async def forget(self, session_id: str) -> bool:
        """Drop a session at once; True if it existed."""
        ...


class MemorySessionStore:
    """Sessions in this process's memory, each expiring after ``idle_seconds`` without use.

    ``get_or_create`` hands out the stored object itself, so ``save`` has nothing to do.
    """

    def __init__(
        self,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self._idle = idle_seconds
        self._grain = time_grain(idle_seconds)
        self._clock = clock
        self._max = max_sessions
        self._sessions: dict[str, tuple[Session, float]] = {}  # id: (session, coarse last seen)

    def __len__(self) -> int:
        return len(self._sessions)

    def _now(self) -> float:
        return coarse(self._clock(), self._grain)

    async def open(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, unsaved one."""
        now = self._clock()
        kept = self._sessions.pop(session_id, None) if session_id is not None else None
        if kept is not None and now - kept[1] < self._idle:
            self._sessions[kept[0].id] = (kept[0], self._now())
            return kept[0]
        return Session(id=new_session_id(), new=True)  # unknown or expired: never adopted

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, saved one."""
        session = await self.open(session_id)
        await self.save(session)
        return session

    async def full(self) -> bool:
        """Whether a new session would be refused (``max_sessions`` are kept)."""
        if len(self._sessions) >= self._max:
            self.purge_expired()
        return len(self._sessions) >= self._max

    async def save(self, session: Session) -> None:
        """Store a new session; a kept one is the object handed out, so nothing else to do."""
        if not session.new:
            return  # kept, or forgotten meanwhile: never brought back
        if await self.full():
            raise SessionsFull
        session.new = False
        self._sessions[session.id] = (session, self._now())

    async def take_handoff(self, session: Session) -> Handoff | None:
        """Remove and return the handoff it awaits."""
        handoff, session.pending_handoff = session.pending_handoff, None
        return handoff

    async def forget(self, session_id: str) -> bool:
        """Drop a session at once; True if it existed."""
        return self._sessions.pop(session_id, None) is not None

    def purge_expired(self) -> int:
        """Drop every expired session; return how many were dropped."""
        now = self._clock()
        expired = [key for key, (_, seen) in self._sessions.items() if now - seen >= self._idle]
        for key in expired:
            del self._sessions[key]
        return len(expired)


# A message waits at most this long on Redis; then she gets the emergency numbers.
REDIS_TIMEOUT_SECONDS: Final = 2.0
_KEY_PREFIX: Final = "kakekomi:session:"
# Every kept session's id, scored by when it expires: how the ceiling counts them.
_INDEX_KEY: Final = "kakekomi:sessions"

# Redis's own clock (gateways' may differ), in ms, and when a key used now expires: the
# idle time later, rounded up to the grain (coarse: see the module's docstring).
_EXPIRY = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grain = tonumber(ARGV[2])
local at = math.ceil((now + tonumber(ARGV[1])) / grain) * grain
"""

# Reads a session and keeps it alive (ARGV: idle ms, grain ms, id).
_OPEN_SCRIPT: Final = (
    _EXPIRY
    + """
local stored = redis.call('HGETALL', KEYS[1])
if #stored > 0 then
    redis.call('PEXPIREAT', KEYS[1], at)
    redis.call('ZADD', KEYS[2], at, ARGV[3])
end
return stored
"""
)

# How many sessions are kept (ARGV: idle ms, grain ms): expired ones leave the index first.
_COUNT_SCRIPT: Final = (
    _EXPIRY
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""
)

# Writes a session (ARGV: idle ms, grain ms, id, language, texts, handoff or '', '1' to
# create, the ceiling) only if it still exists: a message in flight never brings back a
# conversation she has just forgotten (the quick exit), or one that expired. A new one is
# refused (-1) when the ceiling is reached. A handoff is only ever added here.
_SAVE_SCRIPT: Final = (
    _EXPIRY
    + """
if ARGV[7] == '1' then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
    if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[8]) then return -1 end
elseif redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
redis.call('HSET', KEYS[1], 'language', ARGV[4], 'texts', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'handoff', ARGV[6]) end
redis.call('PEXPIREAT', KEYS[1], at)
redis.call('ZADD', KEYS[2], at, ARGV[3])
return 1
"""
)

# Drops a session, its place in the index and Rasa's copy (ARGV: id, idle ms); marks it
# forgotten for Rasa's store only if something was there (unknown ids leave nothing).
_FORGET_SCRIPT: Final = """
local ours = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local theirs = redis.call('DEL', KEYS[3])
if ours + theirs > 0 then redis.call('SET', KEYS[4], '1', 'PX', ARGV[2]) end
return ours
"""


class RedisSessionStore:
    """Sessions in Redis, shared by every gateway that uses it (scale-out).

    One hash per session under ``kakekomi:session:<id>`` (the random id only): its language,
    her last texts and any awaited handoff, as JSON. Redis's TTL does the idle expiry:
    every message sets it to the idle time again (rounded up to the grain).
    """

    def __init__(
        self, redis: Redis, idle_seconds: float, *, max_sessions: int = MAX_SESSIONS
    ) -> None:
        self._redis = redis
        self._idle_ms = max(1, round(idle_seconds * 1000))
        self._grain_ms = max(1, round(time_grain(idle_seconds) * 1000))
        self._max = max_sessions
        self._open_script = redis.register_script(_OPEN_SCRIPT)
        self._count_script = redis.register_script(_COUNT_SCRIPT)
        self._save_script = redis.register_script(_SAVE_SCRIPT)
        self._forget_script = redis.register_script(_FORGET_SCRIPT)

    def _keys(self, session_id: str) -> list[str]:
        return [_KEY_PREFIX + session_id, _INDEX_KEY]

    async def open(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, unsaved one."""
        if is_session_id(session_id):
            args: list[str | int] = [self._idle_ms, self._grain_ms, session_id]
            async with _reaching_redis():
                flat = await self._open_script(keys=self._keys(session_id), args=args)
            if flat:
                return _from_redis(session_id, dict(zip(flat[::2], flat[1::2], strict=True)))
        return Session(id=new_session_id(), new=True)

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new, saved one."""
        session = await self.open(session_id)
        await self.save(session)
        return session

    async def full(self) -> bool:
        """Whether a new session would be refused (``max_sessions`` are kept)."""
        async with _reaching_redis():
            count = await self._count_script(
                keys=[_INDEX_KEY], args=[self._idle_ms, self._grain_ms]
            )
        return int(count) >= self._max

    async def save(self, session: Session) -> None:
        """Keep its language, texts and any handoff it awaits, unless it was forgotten.

        A new session is stored here (``SessionsFull`` when the store is full).
        """
        handoff = session.pending_handoff
        args: list[str | int] = [
            self._idle_ms,
            self._grain_ms,
            session.id,
            session.language or "",
            json.dumps(list(session.recent_texts)),
            "" if handoff is None else json.dumps(handoff),
            "1" if session.new else "0",
            self._max,
        ]
        async with _reaching_redis():
            written = await self._save_script(keys=self._keys(session.id), args=args)
        if int(written) < 0:
            raise SessionsFull
        session.new = False

    async def take_handoff(self, session: Session) -> Handoff | None:
        """Remove and return the handoff it awaits; of two messages at once, one gets it."""
        if session.pending_handoff is None:
            return None  # as read with the session: not awaiting one
        session.pending_handoff = None
        key = _KEY_PREFIX + session.id
        async with _reaching_redis(), self._redis.pipeline(transaction=True) as pipe:
            pipe.hget(key, "handoff")
            pipe.hdel(key, "handoff")
            raw, _ = await pipe.execute()
        return None if raw is None else dict(json.loads(raw))

    async def forget(self, session_id: str) -> bool:
        """Drop a session at once, for every gateway, and Rasa's copy; True if it existed.

        Rasa's copy stays gone: a message Rasa is still answering would save it again, so
        its store is told (a marker for as long as a session lives) not to.
        """
        if not is_session_id(session_id):
            return False
        # Rasa's conversation, when Rasa shares this Redis (bot/endpoints-redis.yml): her
        # words go at the quick exit too, not when they expire.
        keys = [
            *self._keys(session_id),
            redis_keys.TRACKER_PREFIX + session_id,
            redis_keys.FORGOTTEN_PREFIX + session_id,
        ]
        async with _reaching_redis():
            ours = await self._forget_script(keys=keys, args=[session_id, self._idle_ms])
        return bool(ours)


@asynccontextmanager
async def _reaching_redis() -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            yield
    except (RedisError, OSError, TimeoutError) as error:
        raise SessionsUnavailable(type(error).__name__) from error


def _from_redis(session_id: str, stored: dict[bytes, bytes]) -> Session:
    language = stored.get(b"language", b"").decode()
    handoff = stored.get(b"handoff")
    return Session(
        id=session_id,
        language=next((known for known in LANGUAGES if known == language), None),
        recent_texts=deque(json.loads(stored.get(b"texts", b"[]")), maxlen=RECENT_TEXTS),
        pending_handoff=None if handoff is None else dict(json.loads(handoff)),
    )
