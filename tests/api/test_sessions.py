"""The in-memory session store and its idle expiry."""

from __future__ import annotations

import re

from api.sessions import SessionStore, new_session_id


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ids_carry_192_random_bits_and_are_url_safe() -> None:
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)  # 32 base64 chars = 24 bytes


def test_a_live_session_is_found_and_kept_alive_by_use() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=60, clock=clock)
    session = store.create()
    for _ in range(5):
        clock.now += 59
        assert store.get(session.id) is session


def test_an_idle_session_is_gone_and_a_new_id_replaces_it() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=60, clock=clock)
    old = store.create()
    old.language = "th"
    clock.now += 60
    assert store.get(old.id) is None
    assert len(store) == 0
    fresh = store.get_or_create(old.id)
    assert fresh.id != old.id
    assert fresh.language is None


def test_a_client_chosen_id_is_never_adopted() -> None:
    store = SessionStore(idle_seconds=60)
    for claimed in (None, "A" * 32, "short", "x" * 500, "../etc", "é" * 32):
        session = store.get_or_create(claimed)
        assert session.id != claimed
    assert len(store) == 6


def test_forget_drops_a_session_at_once() -> None:
    store = SessionStore(idle_seconds=60)
    session = store.create()
    assert store.forget(session.id) is True
    assert store.get(session.id) is None
    assert store.forget(session.id) is False


def test_purge_drops_only_expired_sessions() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=60, clock=clock)
    stale = [store.create() for _ in range(3)]
    clock.now += 30
    live = store.create()
    clock.now += 30
    assert store.purge_expired() == 3
    assert len(store) == 1
    assert store.get(live.id) is live
    assert all(store.get(s.id) is None for s in stale)


def test_recent_texts_hold_the_last_five() -> None:
    session = SessionStore(idle_seconds=60).create()
    session.recent_texts.extend(str(n) for n in range(8))
    assert list(session.recent_texts) == ["3", "4", "5", "6", "7"]
    assert session.state == {}
