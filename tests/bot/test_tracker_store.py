"""The tracker store forgets idle conversations and keeps active ones."""

from __future__ import annotations

import asyncio

import pytest
from kakekomi_bot.tracker_store import ExpiringInMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store_with(clock: Clock, seconds: str = "1800") -> ExpiringInMemoryTrackerStore:
    # endpoints.yml hands record_exp over as a string
    return ExpiringInMemoryTrackerStore(Domain.empty(), record_exp=seconds, clock=clock)


def said(sender: str, text: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered(text))
    return tracker


def test_idle_conversation_is_deleted_after_record_exp() -> None:
    clock = Clock()
    store = store_with(clock)
    asyncio.run(store.save(said("a", "hello")))
    clock.now += 1799
    assert asyncio.run(store.retrieve("a")) is not None
    clock.now += 1801
    assert asyncio.run(store.retrieve("a")) is None
    assert "a" not in store.store


def test_activity_keeps_a_conversation_alive() -> None:
    clock = Clock()
    store = store_with(clock, "60")
    asyncio.run(store.save(said("a", "one")))
    for _ in range(5):
        clock.now += 50
        tracker = asyncio.run(store.retrieve("a"))
        assert tracker is not None
        asyncio.run(store.save(tracker))
    assert [k for k in asyncio.run(store.keys())] == ["a"]


def test_expiry_of_one_conversation_spares_the_others() -> None:
    clock = Clock()
    store = store_with(clock, "60")
    asyncio.run(store.save(said("old", "hi")))
    clock.now += 40
    asyncio.run(store.save(said("new", "hi")))
    clock.now += 30
    assert list(asyncio.run(store.keys())) == ["new"]


@pytest.mark.parametrize("bad", ["0", "-5"])
def test_rejects_a_non_positive_lifetime(bad: str) -> None:
    with pytest.raises(ValueError):
        store_with(Clock(), bad)
