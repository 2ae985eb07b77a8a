"""Conversations, kept in this process's memory or, to scale out, in a shared Redis.

Either way nothing is written to disk (the Redis is run without RDB or AOF) and a session
is forgotten after an idle period. With Redis, several gateways behind a load balancer
serve one conversation: a message may reach any of them.

Two messages of one session at once (the widget waits for each answer, so only a retry
after a timeout or another client does this) race on the language and her last texts:
the last to be saved wins. The handoff she awaits never races: it is set by a save and
removed only by ``take_handoff``, atomically, so it is never lost and never sent twice.
"""

from __future__ import annotations

import asyncio
import json
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

# token_urlsafe(24): 24 random bytes (192 bits), 32 URL-safe characters.
_ID_BYTES: Final = 24
_ID_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{32}")
RECENT_TEXTS: Final = 5

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


class SessionsUnavailable(RuntimeError):
    """The shared session store (Redis) cannot be reached: nothing was read or kept."""


class SessionStore(Protocol):
    """Where the gateway keeps conversations (``MemorySessionStore``, ``RedisSessionStore``)."""

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new one with a new id."""
        ...

    async def save(self, session: Session) -> None:
        """Keep its language, texts and any handoff it awaits, unless it was forgotten."""
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

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle = idle_seconds
        self._clock = clock
        self._sessions: dict[str, tuple[Session, float]] = {}  # id: (session, last seen)

    def __len__(self) -> int:
        return len(self._sessions)

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new one with a new id."""
        now = self._clock()
        kept = self._sessions.pop(session_id, None) if session_id is not None else None
        session = kept[0] if kept is not None and now - kept[1] < self._idle else None
        if session is None:  # unknown, malformed or expired: never adopted
            session = Session(id=new_session_id())
        self._sessions[session.id] = (session, now)
        return session

    async def save(self, session: Session) -> None:
        """Nothing to do: the session handed out is the one kept."""

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
# Rasa's RedisTrackerStore keeps a conversation under this prefix and the sender id, which
# is the gateway's session id.
RASA_TRACKER_PREFIX: Final = "tracker:"

# Writes a session (ARGV: language, texts, handoff or '', idle ms, '1' to create) only if
# it still exists: a message in flight never brings back a conversation she has just
# forgotten (the quick exit), or one that expired. A handoff is only ever added here.
_SAVE_SCRIPT: Final = """
if ARGV[5] ~= '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'language', ARGV[1], 'texts', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'handoff', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""


class RedisSessionStore:
    """Sessions in Redis, shared by every gateway that uses it (scale-out).

    One hash per session under ``kakekomi:session:<id>`` (the random id only): its language,
    her last texts and any awaited handoff, as JSON. Redis's TTL does the idle expiry:
    every message sets it to the idle time again.
    """

    def __init__(self, redis: Redis, idle_seconds: float) -> None:
        self._redis = redis
        self._idle_ms = max(1, round(idle_seconds * 1000))
        self._save_script = redis.register_script(_SAVE_SCRIPT)

    async def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, kept alive; else a new one with a new id."""
        if is_session_id(session_id):
            key = _KEY_PREFIX + session_id
            async with _reaching_redis(), self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(key)
                pipe.pexpire(key, self._idle_ms)
                stored, _ = await pipe.execute()
            if stored:
                return _from_redis(session_id, stored)
        session = Session(id=new_session_id())
        await self._write(session, create=True)
        return session

    async def save(self, session: Session) -> None:
        """Keep its language, texts and any handoff it awaits, unless it was forgotten."""
        await self._write(session, create=False)

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
        """Drop a session at once, for every gateway, and Rasa's copy; True if it existed."""
        if not is_session_id(session_id):
            return False
        async with _reaching_redis(), self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(_KEY_PREFIX + session_id)
            # Rasa's conversation, when Rasa shares this Redis (bot/endpoints-redis.yml): her
            # words go at the quick exit too, not when they expire.
            pipe.delete(RASA_TRACKER_PREFIX + session_id)
            ours, _ = await pipe.execute()
        return bool(ours)

    async def _write(self, session: Session, *, create: bool) -> None:
        handoff = session.pending_handoff
        args: list[str | int] = [
            session.language or "",
            json.dumps(list(session.recent_texts)),
            "" if handoff is None else json.dumps(handoff),
            self._idle_ms,
            "1" if create else "0",
        ]
        async with _reaching_redis():
            await self._save_script(keys=[_KEY_PREFIX + session.id], args=args)


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
