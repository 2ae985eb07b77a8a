"""The Redis tracker and lock stores, built from bot/endpoints-redis.yml against a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kakekomi_bot.redis_stores import (
    RedisUrlLockStore,
    RedisUrlTrackerStore,
    redis_options,
)
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from tests.live_engines import Engine, running_redis

ENDPOINTS = Path(__file__).resolve().parents[2] / "bot" / "endpoints-redis.yml"
DOMAIN = Domain.from_yaml("slots:\n  language:\n    type: text\n    mappings: []\n")


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with running_redis() as running:
        yield running


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Engine:
    redis.Redis(port=engine.port).flushall()
    monkeypatch.setenv("KAKEKOMI_REDIS_URL", engine.url)
    monkeypatch.setenv("KAKEKOMI_SESSION_IDLE_SECONDS", "1800")
    monkeypatch.setenv("KAKEKOMI_ACTIONS_PORT", "5055")
    return engine


def tracker_store() -> TrackerStore:
    return TrackerStore.create(read_endpoint_config(str(ENDPOINTS), "tracker_store"), DOMAIN)


def said(sender: str, text: str, language: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=DOMAIN.slots)
    tracker.update(UserUttered(text))
    tracker.update(SlotSet("language", language))
    return tracker


def test_the_endpoints_file_builds_our_redis_stores(env: Engine) -> None:
    store = tracker_store()
    # Rasa wraps custom stores in its fail-safe store.
    assert isinstance(getattr(store, "_tracker_store", store), RedisUrlTrackerStore)
    lock_store = LockStore.create(read_endpoint_config(str(ENDPOINTS), "lock_store"))
    assert isinstance(lock_store, RedisUrlLockStore)


def test_two_stores_share_a_conversation_and_its_slots(env: Engine) -> None:
    asyncio.run(tracker_store().save(said("s1", "hello", "th")))
    # A second store object, as a second Rasa process would have.
    found = asyncio.run(tracker_store().retrieve("s1"))
    assert found is not None
    assert found.get_slot("language") == "th"
    assert found.latest_message is not None and found.latest_message.text == "hello"


def test_a_conversation_expires_after_the_idle_time(env: Engine) -> None:
    asyncio.run(tracker_store().save(said("s2", "hello", "en")))
    ttl = redis.Redis(port=env.port).ttl("tracker:s2")
    assert 1790 <= ttl <= 1800


def test_the_lock_store_hands_out_tickets_in_order_across_processes(env: Engine) -> None:
    first = LockStore.create(read_endpoint_config(str(ENDPOINTS), "lock_store"))
    second = LockStore.create(read_endpoint_config(str(ENDPOINTS), "lock_store"))
    one = first.issue_ticket("s3")
    two = second.issue_ticket("s3")
    assert two == one + 1
    lock = second.get_or_create_lock("s3")
    assert lock.is_locked(two)  # the second waits for the first, whichever process asks


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6390/2", {"host": "127.0.0.1", "port": 6390, "db": 2}),
        ("redis://:s%40cret@cache/0", {"host": "cache", "port": 6379, "password": "s@cret"}),
        ("rediss://user:pw@cache:6380", {"username": "user", "use_ssl": True, "db": 0}),
    ],
)
def test_redis_options_read_the_url(url: str, expected: dict[str, object]) -> None:
    options = redis_options(url)
    assert {key: options[key] for key in expected} == expected


@pytest.mark.parametrize("url", ["", "http://cache:6379", "redis://:pw@cache/x", None])
def test_a_bad_url_is_refused_without_echoing_it(url: str | None) -> None:
    with pytest.raises(ValueError) as error:
        redis_options(url)
    assert "pw" not in str(error.value)


def test_a_missing_idle_time_is_refused() -> None:
    with pytest.raises(ValueError, match="record_exp"):
        RedisUrlTrackerStore(DOMAIN, host="redis://127.0.0.1:1/0", record_exp=None)


def test_a_conversation_the_gateway_forgot_is_not_saved_again(env: Engine) -> None:
    store = tracker_store()
    asyncio.run(store.save(said("s4", "my boss has my passport", "en")))
    in_flight = asyncio.run(store.retrieve("s4"))  # a message Rasa is still answering
    assert in_flight is not None
    in_flight.update(UserUttered("and my wages"))
    # The quick exit, as the gateway's RedisSessionStore.forget does it (api/sessions.py).
    server = redis.Redis(port=env.port)
    server.delete("tracker:s4")
    server.set("tracker-forgotten:s4", "1", px=60_000)
    asyncio.run(store.save(in_flight))  # Rasa finishes that message
    assert server.exists("tracker:s4") == 0
    # Other conversations are saved as before.
    asyncio.run(store.save(said("s5", "hello", "en")))
    assert server.exists("tracker:s5") == 1
    assert 1790 <= server.ttl("tracker:s5") <= 1800
