"""The conversation store process and the tracker store that shares it between Rasa processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from kakekomi_bot.conversation_store import (
    Conversations,
    ConversationStoreUnavailable,
    ask,
    serve,
)
from kakekomi_bot.tracker_store import SharedInMemoryTrackerStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_dict(
    {"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}}
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def consent_asked(sender: str, language: str) -> DialogueStateTracker:
    """A conversation waiting for her yes or no, in her language."""
    return DialogueStateTracker.from_events(
        sender,
        [
            UserUttered("I need help"),
            SlotSet("language", language),
            ActionExecuted("utter_ask_consent"),
        ],
        slots=DOMAIN.slots,
    )


@contextlib.asynccontextmanager
async def running_store(path: Path, conversations: Conversations) -> AsyncIterator[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(serve(path, conversations, ready=ready.set))
    await asyncio.wait_for(ready.wait(), 5)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def with_store(
    path: Path, test: Callable[[], Awaitable[None]], conversations: Conversations | None = None
) -> None:
    async def run() -> None:
        async with running_store(path, conversations or Conversations()):
            await test()

    asyncio.run(run())


@pytest.fixture
def socket_path(tmp_path: Path) -> Path:
    return tmp_path / "run" / "conversations.sock"


def test_a_conversation_is_forgotten_after_its_idle_time_unless_written_again() -> None:
    clock = Clock()
    conversations = Conversations(clock)
    conversations.put("a", "one", ttl=60)
    conversations.put("b", "two", ttl=60)
    clock.now += 50
    conversations.put("a", "three", ttl=60)
    clock.now += 20
    assert conversations.get("a") == "three"
    assert conversations.get("b") is None
    assert conversations.keys() == ["a"]
    conversations.delete("a")
    assert conversations.keys() == []


def test_two_rasa_processes_share_a_conversation_and_its_place(socket_path: Path) -> None:
    old = SharedInMemoryTrackerStore(DOMAIN, socket=str(socket_path), record_exp="1800")
    new = SharedInMemoryTrackerStore(DOMAIN, socket=str(socket_path), record_exp="1800")

    async def test() -> None:
        await old.save(consent_asked("her-session", "th"))
        tracker = await new.retrieve("her-session")
        assert tracker is not None
        assert tracker.get_slot("language") == "th"
        assert tracker.latest_action_name == "utter_ask_consent"
        assert tracker.latest_message is not None
        assert tracker.latest_message.text == "I need help"
        assert list(await new.keys()) == ["her-session"]
        await new.delete("her-session")
        assert await old.retrieve("her-session") is None
        assert list(await old.keys()) == []

    with_store(socket_path, test)


def test_the_store_forgets_a_conversation_after_record_exp(socket_path: Path) -> None:
    clock = Clock()
    store = SharedInMemoryTrackerStore(DOMAIN, socket=str(socket_path), record_exp="60")

    async def test() -> None:
        await store.save(consent_asked("a", "en"))
        clock.now += 59
        assert await store.retrieve("a") is not None
        clock.now += 2
        assert await store.retrieve("a") is None

    with_store(socket_path, test, Conversations(clock))


def test_only_this_user_can_reach_the_socket_and_it_is_removed_at_stop(socket_path: Path) -> None:
    async def test() -> None:
        assert stat.S_IMODE(os.stat(socket_path.parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o600

    with_store(socket_path, test)
    assert not socket_path.exists()


def test_a_second_store_on_the_same_socket_is_refused(socket_path: Path) -> None:
    async def test() -> None:
        with pytest.raises(SystemExit, match="another conversation store"):
            await serve(socket_path, Conversations())
        # The first one still answers.
        assert await ask(socket_path, {"op": "keys"}) == {"keys": []}

    with_store(socket_path, test)


def test_a_socket_left_by_a_killed_store_is_replaced(socket_path: Path) -> None:
    import socket

    socket_path.parent.mkdir(mode=0o755)
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(socket_path))  # bound, never listening: what a SIGKILL leaves

    async def test() -> None:
        assert await ask(socket_path, {"op": "keys"}) == {"keys": []}
        assert stat.S_IMODE(os.stat(socket_path.parent).st_mode) == 0o700

    with_store(socket_path, test)


def test_a_bad_request_is_refused_without_stopping_the_store(socket_path: Path) -> None:
    async def test() -> None:
        for bad in ({"op": "drop"}, {"op": "put", "key": "a"}, {"nothing": 1}):
            with pytest.raises(ConversationStoreUnavailable):
                await ask(socket_path, bad)
        assert await ask(socket_path, {"op": "keys"}) == {"keys": []}

    with_store(socket_path, test)


def test_a_store_that_is_down_gives_an_error_without_the_conversation_id(tmp_path: Path) -> None:
    store = SharedInMemoryTrackerStore(DOMAIN, socket=str(tmp_path / "none.sock"))
    with pytest.raises(ConversationStoreUnavailable) as caught:
        asyncio.run(store.save(consent_asked("secret-session", "en")))
    assert "secret" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_endpoints_yml_shares_conversations_through_the_socket(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("KAKEKOMI_ACTIONS_PORT", "5055")
    monkeypatch.setenv("KAKEKOMI_SESSION_IDLE_SECONDS", "900")
    monkeypatch.setenv("KAKEKOMI_CONVERSATION_SOCKET", str(tmp_path / "c.sock"))
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "bot" / "endpoints.yml"))
    store = TrackerStore.create(endpoints.tracker_store, DOMAIN)
    assert isinstance(store, SharedInMemoryTrackerStore)
    assert (store.socket, store.record_exp) == (str(tmp_path / "c.sock"), 900)
    assert endpoints.action is not None
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"


def test_without_a_socket_conversations_stay_in_this_process(monkeypatch) -> None:
    monkeypatch.setenv("KAKEKOMI_ACTIONS_PORT", "5055")
    monkeypatch.setenv("KAKEKOMI_SESSION_IDLE_SECONDS", "900")
    monkeypatch.setenv("KAKEKOMI_CONVERSATION_SOCKET", "")
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "bot" / "endpoints.yml"))
    store = TrackerStore.create(endpoints.tracker_store, DOMAIN)
    assert isinstance(store, SharedInMemoryTrackerStore) and store.socket is None

    async def test() -> None:
        await store.save(consent_asked("a", "es"))
        tracker = await store.retrieve("a")
        assert tracker is not None and tracker.get_slot("language") == "es"
        await store.delete("a")
        assert list(await store.keys()) == []

    asyncio.run(test())
