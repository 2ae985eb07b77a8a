"""Conversations held in memory only, forgotten after an idle period."""

from __future__ import annotations

import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from api.language import Language

# token_urlsafe(24): 24 random bytes (192 bits), 32 URL-safe characters.
_ID_BYTES: Final = 24
_ID_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{32}")
RECENT_TEXTS: Final = 5


def new_session_id() -> str:
    """Return a fresh, unguessable session id."""
    return secrets.token_urlsafe(_ID_BYTES)


@dataclass(slots=True)
class Session:
    """One anonymous conversation; nothing here is ever written to disk."""

    id: str
    last_seen: float
    language: Language | None = None
    # The person's own last messages, for an escalation she consents to; memory only.
    recent_texts: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_TEXTS))
    # Free room for later features (escalation consent, rate limits...).
    state: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    """In-memory sessions keyed by id, each expiring after ``idle_seconds`` without use."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle = idle_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session | None:
        """Return the live session with this id and mark it used, or None."""
        if session_id is None or not _ID_SHAPE.fullmatch(session_id):
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = self._clock()
        if self._expired(session, now):
            del self._sessions[session_id]
            return None
        session.last_seen = now
        return session

    def get_or_create(self, session_id: str | None) -> Session:
        """Return the live session with this id, else a new one with a new id."""
        return self.get(session_id) or self.create()

    def create(self) -> Session:
        """Start a new session; its id is never chosen by the client."""
        session = Session(id=new_session_id(), last_seen=self._clock())
        self._sessions[session.id] = session
        return session

    def forget(self, session_id: str) -> bool:
        """Drop a session at once; True if it existed."""
        return self._sessions.pop(session_id, None) is not None

    def purge_expired(self) -> int:
        """Drop every expired session; return how many were dropped."""
        now = self._clock()
        expired = [key for key, s in self._sessions.items() if self._expired(s, now)]
        for key in expired:
            del self._sessions[key]
        return len(expired)

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen >= self._idle
