"""Tracker stores that forget a conversation after it has been idle for a while.

`SharedInMemoryTrackerStore` (bot/endpoints.yml) keeps conversations in the conversation
store process, so that two Rasa processes share them during a model swap;
`ExpiringInMemoryTrackerStore` keeps them in this Rasa process only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import (
    DialogueStateTracker,
    get_trackers_for_conversation_sessions,
)

from kakekomi_common import conversation_protocol as protocol
from kakekomi_common.conversation_protocol import ask

DEFAULT_IDLE_SECONDS = 30 * 60


def record_exp_seconds(record_exp: Any) -> float:
    """endpoints.yml's `record_exp` (a string there) as seconds; refused unless positive."""
    seconds = None if record_exp is None else float(record_exp)
    if seconds is None or seconds <= 0:
        raise ValueError("record_exp must be a positive number of seconds")
    return seconds


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
        self.record_exp = record_exp_seconds(record_exp)
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


class SharedInMemoryTrackerStore(ExpiringInMemoryTrackerStore):
    """Conversations in the memory of the conversation store process, shared by Rasa processes.

    Modelled on Rasa's RedisTrackerStore: a tracker is serialised on save, with `record_exp`
    seconds to live, and deserialised on retrieve; only the latest session is kept, as in
    Rasa's InMemoryTrackerStore. `socket` is the store's Unix socket
    (KAKEKOMI_CONVERSATION_SOCKET, set by kakekomi_stack). Without one (Rasa run alone,
    as in the Docker image) conversations stay in this process, as in the parent class.
    """

    def __init__(
        self,
        domain: Domain,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        socket: str | None = None,
        record_exp: Any = DEFAULT_IDLE_SECONDS,
        **kwargs: Any,
    ) -> None:
        """Creates the store; `record_exp` may come as a string from endpoints.yml."""
        super().__init__(domain, host, event_broker, record_exp, **kwargs)
        self.socket = socket or None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the tracker; its conversation is forgotten after `record_exp` idle seconds."""
        if self.socket is None:
            return await super().save(tracker)
        await self.stream_events(tracker)
        request = protocol.put(tracker.sender_id, self.serialise_tracker(tracker), self.record_exp)
        await ask(self.socket, request)

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if self.socket is None:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        stored = (await ask(self.socket, protocol.get(sender_id)))["value"]
        if stored is None:
            return None
        tracker = self.deserialise_tracker(sender_id, stored)
        if tracker is None or fetch_all_sessions:
            return tracker
        sessions = get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker

    async def keys(self) -> Iterable[str]:
        """The ids of the conversations that have not expired."""
        if self.socket is None:
            return await super().keys()
        keys: list[str] = (await ask(self.socket, protocol.keys()))["keys"]
        return keys

    async def delete(self, sender_id: str) -> None:
        """Forgets a conversation at once."""
        if self.socket is None:
            self.store.pop(sender_id, None)
            return
        await ask(self.socket, protocol.delete(sender_id))
