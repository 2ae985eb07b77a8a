"""A tracker store that forgets a conversation after it has been idle for a while."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_IDLE_SECONDS = 30 * 60


class ExpiringInMemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store, but a conversation idle for `record_exp` seconds is deleted.

    Nothing is written to disk; an expired conversation is gone, not archived.
    """

    def __init__(
        self,
        domain: Domain,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        record_exp: Any = DEFAULT_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        """Creates the store; `record_exp` may come as a string from endpoints.yml."""
        super().__init__(domain, event_broker, **kwargs)
        self.record_exp = float(record_exp)
        if self.record_exp <= 0:
            raise ValueError("record_exp must be a positive number of seconds")
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def forget_expired(self) -> int:
        """Deletes every conversation idle for longer than `record_exp`; returns how many."""
        deadline = self._clock() - self.record_exp
        expired = [key for key, seen in self._last_seen.items() if seen < deadline]
        for key in expired:
            self.store.pop(key, None)
            self._last_seen.pop(key, None)
        return len(expired)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Saves the tracker and marks its conversation as active now."""
        self.forget_expired()
        await super().save(tracker)
        self._last_seen[tracker.sender_id] = self._clock()

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        self.forget_expired()
        return await super()._retrieve(sender_id, fetch_all_sessions)

    async def keys(self) -> Iterable[str]:
        """Returns the ids of the conversations that have not expired."""
        self.forget_expired()
        return list(self.store.keys())
