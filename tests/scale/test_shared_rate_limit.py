"""Rate limits shared in a real Redis: two gateways count one client against one limit.

Clients are told apart by their source address (Linux routes all of 127/8 to loopback).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis
import redis.asyncio as aioredis

from api.rate_limit import ClientRateLimiter
from tests.live_servers import FakeRasa, Gateway, start_gateway

LIMIT = 6
HER, SOMEONE_ELSE = "127.0.0.2", "127.0.0.3"


@pytest.fixture
async def shared(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


def sharing(client: aioredis.Redis, per_minute: int, window: float = 60.0) -> ClientRateLimiter:
    limiter = ClientRateLimiter(per_minute, window=window)
    limiter.share(client)
    return limiter


@pytest.mark.anyio
async def test_two_limiters_on_one_redis_count_one_client_together(
    shared: aioredis.Redis,
) -> None:
    first, second = sharing(shared, 4), sharing(shared, 4)
    answers = [await limiter.check(HER) for limiter in (first, second) * 3]
    assert answers[:4] == [None] * 4
    assert all(wait is not None and 1 <= wait <= 60 for wait in answers[4:])
    # Refused messages do not count: her limit is still four, not six.
    assert await shared.zcard(next(iter(await shared.keys("kakekomi:rate:[0-9a-f]*")))) == 4
    assert await first.check(SOMEONE_ELSE) is None


@pytest.mark.anyio
async def test_the_window_slides_in_redis(shared: aioredis.Redis) -> None:
    limiter = sharing(shared, 2, window=1.0)
    assert [await limiter.check(HER) for _ in range(3)] == [None, None, 1]
    await asyncio.sleep(1.2)  # past the window: her first messages have left it
    assert await limiter.check(HER) is None


@pytest.mark.anyio
async def test_redis_holds_no_address_only_expiring_keyed_hashes(shared: aioredis.Redis) -> None:
    first, second = sharing(shared, 3), sharing(shared, 3)
    for address in (HER, SOMEONE_ELSE, "2001:db8::7"):
        await first.check(address)
        await second.check(address)
    keys = sorted(await shared.keys("*"))
    [secret_key] = [key for key in keys if b"secret" in key]
    counters = [key for key in keys if key != secret_key]
    assert len(counters) == 4  # three clients, and the IPv6 one's /48
    for key in keys:
        ttl = await shared.ttl(key)
        assert 0 < ttl <= (60 if key in counters else 86_400 + 60), key
        stored = await shared.dump(key)
        assert stored is not None
        for text in (HER, SOMEONE_ELSE, "2001:db8", "127.0.0"):
            assert text.encode() not in key and text.encode() not in stored
    # One secret for both gateways: 32 random bytes, replaced daily.
    assert len(bytes.fromhex((await shared.get(secret_key)).decode())) == 32


# Two real gateway processes.


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateways(rasa: FakeRasa, redis_url: str, tmp_path: Path) -> Iterator[list[Gateway]]:
    started: list[Gateway] = []
    try:
        for name in ("a", "b"):
            started.append(
                start_gateway(tmp_path / name, rasa.port, redis_url=redis_url, rate_limit=LIMIT)
            )
        yield started
    finally:
        for gateway in started:
            gateway.stop()


def client_from(address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, timeout=10, trust_env=False)


def test_a_client_is_limited_across_two_gateways(
    gateways: list[Gateway], rasa: FakeRasa, redis_url: str
) -> None:
    first, second = gateways
    with client_from(HER) as her, client_from(SOMEONE_ELSE) as other:
        # LIMIT / 2 + 1 to each: within each gateway's limit, past the shared one.
        answers = [
            her.post(f"{gateway.url}/api/chat", json={"text": "hello"})
            for _ in range(LIMIT // 2 + 1)
            for gateway in (first, second)
        ]
        assert [a.status_code for a in answers] == [200] * LIMIT + [429, 429]
        for refused in answers[LIMIT:]:
            assert refused.json()["detail"] == "too many messages"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert len(rasa.received) == LIMIT  # the refused ones never reached the assistant
        # Someone else, on either gateway, is answered.
        for gateway in gateways:
            assert other.post(f"{gateway.url}/api/chat", json={"text": "hi"}).status_code == 200
    with redis.Redis.from_url(redis_url) as client:
        for key in client.keys("kakekomi:rate:*"):
            assert HER.encode() not in key
    for gateway in gateways:
        assert HER not in gateway.log()
