"""The session stores: in memory (the default) and in a real Redis (scale-out).

What both must do is tested on both; for Redis, each store stands for one gateway, with its
own connection, so that what one writes another must see.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import anyio
import pytest
from redis.asyncio import Redis

from api.sessions import (
    MemorySessionStore,
    RedisSessionStore,
    Session,
    SessionsFull,
    SessionStore,
    SessionsUnavailable,
    new_session_id,
)
from tests.live_engines import Engine, running_redis
from tests.live_servers import free_port

pytestmark = pytest.mark.anyio

CLAIMED_IDS = (None, "A" * 32, "short", "x" * 500, "../etc", "é" * 32, "kakekomi:session:*")
HANDOFF = {"urgency": "emergency", "topics": ["request_help"]}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Engine]:
    with running_redis() as engine:
        yield engine


Gateways = Callable[..., Awaitable[SessionStore]]


@pytest.fixture(params=["memory", "redis"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateways]:
    """``await gateway()``: a session store as one gateway sees it (memory: the one store)."""
    memory = MemorySessionStore(idle_seconds=60)
    url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
    clients: list[Redis] = []

    async def open_store() -> SessionStore:
        if url is None:
            return memory
        client = Redis.from_url(url)
        clients.append(client)
        return RedisSessionStore(client, idle_seconds=60)

    yield open_store
    for client in clients:
        await client.aclose()


@pytest.fixture
async def redis(redis_server: Engine) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


def test_ids_carry_192_random_bits_and_are_url_safe() -> None:
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)  # 32 base64 chars = 24 bytes


# Both stores


async def test_a_client_chosen_id_is_never_adopted(gateway: Gateways) -> None:
    store = await gateway()
    for claimed in CLAIMED_IDS:
        session = await store.get_or_create(claimed)
        assert session.id != claimed
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", session.id)


async def test_a_conversation_continues_on_another_gateway(gateway: Gateways) -> None:
    a, b = await gateway(), await gateway()
    session = await a.get_or_create(None)
    session.language = "th"
    session.recent_texts.extend(f"message {n}" for n in range(7))
    await a.save(session)
    seen = await b.get_or_create(session.id)
    assert seen.id == session.id
    assert seen.language == "th"
    assert list(seen.recent_texts) == [f"message {n}" for n in range(2, 7)]  # the last five
    seen.recent_texts.append("via b")
    await b.save(seen)
    assert list((await a.get_or_create(session.id)).recent_texts)[-2:] == ["message 6", "via b"]


async def test_forgetting_on_one_gateway_forgets_for_all(gateway: Gateways) -> None:
    a, b = await gateway(), await gateway()
    session = await a.get_or_create(None)
    in_flight = await b.get_or_create(session.id)  # a message b is still answering
    assert await a.forget(session.id) is True
    in_flight.language = "es"
    in_flight.recent_texts.append("secret")
    in_flight.pending_handoff = dict(HANDOFF)
    await b.save(in_flight)  # must not bring the conversation back
    assert await b.forget(session.id) is False
    again = await b.get_or_create(session.id)
    assert again.id != session.id
    assert (again.language, list(again.recent_texts), again.pending_handoff) == (None, [], None)


async def test_an_awaited_handoff_is_handed_out_once(gateway: Gateways) -> None:
    a, b = await gateway(), await gateway()
    session = await a.get_or_create(None)
    session.pending_handoff = dict(HANDOFF)
    await a.save(session)
    seen = await b.get_or_create(session.id)
    assert seen.pending_handoff == HANDOFF
    assert await b.take_handoff(seen) == HANDOFF
    assert seen.pending_handoff is None
    assert await b.take_handoff(seen) is None
    assert (await a.get_or_create(session.id)).pending_handoff is None


async def test_two_messages_at_once_take_the_handoff_once(gateway: Gateways) -> None:
    a, b = await gateway(), await gateway()
    session = await a.get_or_create(None)
    session.pending_handoff = dict(HANDOFF)
    await a.save(session)
    on_a, on_b = await a.get_or_create(session.id), await b.get_or_create(session.id)
    taken: list[object] = []

    async def take(store: SessionStore, seen: Session) -> None:
        taken.append(await store.take_handoff(seen))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(take, a, on_a)
        tasks.start_soon(take, b, on_b)
    assert sorted(taken, key=repr) == [None, HANDOFF]


async def test_a_save_from_an_older_read_never_drops_an_awaited_handoff(
    gateway: Gateways,
) -> None:
    a, b = await gateway(), await gateway()
    session = await a.get_or_create(None)
    older = await a.get_or_create(session.id)  # a reads; meanwhile b records her yes
    on_b = await b.get_or_create(session.id)
    on_b.pending_handoff = dict(HANDOFF)
    await b.save(on_b)
    older.recent_texts.append("hello")
    await a.save(older)
    assert (await b.get_or_create(session.id)).pending_handoff == HANDOFF


# Memory


async def test_a_live_session_is_found_and_kept_alive_by_use() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_seconds=60, clock=clock)
    session = await store.get_or_create(None)
    for _ in range(5):
        clock.now += 59
        assert await store.get_or_create(session.id) is session
    assert len(store) == 1


async def test_an_idle_session_is_gone_and_a_new_id_replaces_it() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_seconds=60, clock=clock)
    old = await store.get_or_create(None)
    old.language = "th"
    clock.now += 66  # the idle time, and at most a grain (a tenth of it) more
    fresh = await store.get_or_create(old.id)
    assert fresh.id != old.id
    assert fresh.language is None
    assert len(store) == 1  # the old one is gone


async def test_purge_drops_only_expired_sessions() -> None:
    clock = Clock()
    store = MemorySessionStore(idle_seconds=60, clock=clock)
    stale = [await store.get_or_create(None) for _ in range(3)]
    clock.now += 30
    live = await store.get_or_create(None)
    clock.now += 36  # times are kept a grain (a tenth of the idle time) coarse
    assert store.purge_expired() == 3
    assert len(store) == 1
    assert await store.get_or_create(live.id) is live
    for old in stale:
        assert (await store.get_or_create(old.id)).id != old.id


# Redis


async def test_redis_holds_one_hash_per_session_keyed_by_the_random_id_only(
    redis: Redis,
) -> None:
    store = RedisSessionStore(redis, idle_seconds=60)
    before = set(await redis.keys("*"))
    session = await store.get_or_create(None)
    session.recent_texts.append("my boss took my passport")
    await store.save(session)
    for claimed in CLAIMED_IDS:
        await store.forget(claimed or "")
    added = set(await redis.keys("*")) - before
    # ...and the index the ceiling counts with (maybe there already, from other tests).
    assert added - {b"kakekomi:sessions"} == {f"kakekomi:session:{session.id}".encode()}
    assert await redis.zscore("kakekomi:sessions", session.id) is not None
    assert await redis.type(f"kakekomi:session:{session.id}") == b"hash"


async def test_forgetting_also_drops_rasas_copy_in_the_same_redis(redis: Redis) -> None:
    store = RedisSessionStore(redis, idle_seconds=60)
    session = await store.get_or_create(None)
    other = await store.get_or_create(None)
    for sid in (session.id, other.id):
        await redis.set(f"tracker:{sid}", b'{"events": []}')  # as Rasa's tracker store writes
    assert await store.forget(session.id)
    assert await redis.exists(f"tracker:{session.id}", f"kakekomi:session:{session.id}") == 0
    assert await redis.exists(f"tracker:{other.id}") == 1  # nobody else's
    # Rasa's store (bot/kakekomi_bot/redis_stores.py) will not save hers again.
    assert await redis.exists(f"tracker-forgotten:{session.id}") == 1
    assert await redis.exists(f"tracker-forgotten:{other.id}") == 0


async def test_redis_sessions_expire_after_the_idle_time_and_use_renews_it(redis: Redis) -> None:
    store = RedisSessionStore(redis, idle_seconds=60)
    session = await store.get_or_create(None)
    key = f"kakekomi:session:{session.id}"
    idle = (59_000, 66_000)  # the idle time, rounded up to a grain (a tenth of it)
    assert idle[0] < await redis.pttl(key) <= idle[1]
    await redis.pexpire(key, 5_000)  # as if 55 s had passed
    await store.get_or_create(session.id)
    assert idle[0] < await redis.pttl(key) <= idle[1]
    await redis.pexpire(key, 5_000)
    await store.save(session)
    assert idle[0] < await redis.pttl(key) <= idle[1]


async def test_an_idle_redis_session_is_gone(redis: Redis) -> None:
    store = RedisSessionStore(redis, idle_seconds=0.05)
    session = await store.get_or_create(None)
    session.language = "es"
    await store.save(session)
    await anyio.sleep(0.2)
    fresh = await store.get_or_create(session.id)
    assert fresh.id != session.id
    assert fresh.language is None


async def test_without_redis_every_operation_says_unavailable() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    store = RedisSessionStore(client, idle_seconds=60)
    session_id = new_session_id()
    try:
        with pytest.raises(SessionsUnavailable):
            await store.get_or_create(None)
        with pytest.raises(SessionsUnavailable):
            await store.get_or_create(session_id)
        with pytest.raises(SessionsUnavailable):
            await store.forget(session_id)
        held = Session(id=session_id)
        with pytest.raises(SessionsUnavailable):
            await store.save(held)
        held.pending_handoff = dict(HANDOFF)
        with pytest.raises(SessionsUnavailable):
            await store.take_handoff(held)
    finally:
        await client.aclose()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_past_the_ceiling_a_new_session_is_refused_until_one_goes(
    kind: str, redis: Redis
) -> None:
    store: SessionStore = MemorySessionStore(idle_seconds=60, max_sessions=3)
    if kind == "redis":
        await redis.delete("kakekomi:sessions")  # the index other tests filled
        store = RedisSessionStore(redis, idle_seconds=60, max_sessions=3)
    kept = [await store.get_or_create(None) for _ in range(3)]
    late = await store.open(None)
    assert late.new and await store.full()
    with pytest.raises(SessionsFull):
        await store.save(late)
    assert (await store.open(kept[0].id)).id == kept[0].id  # those kept go on
    await store.forget(kept[1].id)
    assert not await store.full()
    await store.save(late)
    assert (await store.open(late.id)).id == late.id


async def test_a_new_session_is_kept_only_when_saved(gateway: Gateways) -> None:
    store = await gateway()
    session = await store.open(None)
    assert session.new
    assert (await store.open(session.id)).id != session.id  # not kept yet
    await store.save(session)
    assert not session.new
    assert (await store.open(session.id)).id == session.id
