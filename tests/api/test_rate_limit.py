"""Per-client message limits: a sliding minute, keyed by a daily-rotated HMAC of the address."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from api.main import create_app
from api.rate_limit import REDIS_RETRY_SECONDS, ClientRateLimiter, client_network
from api.settings import Settings, get_settings
from tests.live_servers import free_port

if TYPE_CHECKING:
    from tests.api.conftest import FakeRasa


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.day = 20_000

    def __call__(self) -> float:
        return self.now


def limiter(per_minute: int = 3, clock: Clock | None = None, **options: int) -> ClientRateLimiter:
    clock = clock or Clock()
    return ClientRateLimiter(per_minute, clock=clock, day=lambda: clock.day, **options)


def test_a_client_gets_its_allowance_per_minute_then_a_wait_in_whole_seconds() -> None:
    clock = Clock()
    limit = limiter(3, clock)
    for _ in range(3):
        assert limit.hit("198.51.100.1") is None
        clock.now += 10  # messages at 0, 10 and 20 s
    assert limit.hit("198.51.100.1") == 30  # the first one leaves the window at 60 s
    clock.now += 29.5
    assert limit.hit("198.51.100.1") == 1
    clock.now += 0.5
    assert limit.hit("198.51.100.1") is None
    assert limit.hit("198.51.100.1") == 10


def test_refused_messages_do_not_count_against_the_next_minute() -> None:
    clock = Clock()
    limit = limiter(2, clock)
    assert [limit.hit("198.51.100.1") for _ in range(2)] == [None, None]
    for _ in range(100):
        assert limit.hit("198.51.100.1") == 60
    clock.now += 60
    assert limit.hit("198.51.100.1") is None


def test_clients_are_counted_apart_and_an_ipv6_host_is_counted_by_its_64() -> None:
    limit = limiter(1)
    assert limit.hit("198.51.100.1") is None
    assert limit.hit("198.51.100.2") is None
    assert limit.hit("198.51.100.1") is not None
    assert limit.hit("2001:db8:1:2::1") is None
    assert limit.hit("2001:db8:1:2:ffff::9") is not None  # same /64: the same client
    assert limit.hit("2001:db8:1:3::1") is None
    assert limit.hit("::ffff:198.51.100.2") is not None  # IPv4 mapped into IPv6


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
        ("", ""),
    ],
)
def test_the_unit_of_a_limit(address: str, network: str) -> None:
    assert client_network(address) == network


def test_the_address_is_kept_only_as_a_keyed_hash_rotated_daily() -> None:
    clock = Clock()
    limit = limiter(1, clock)
    key = limit.key("198.51.100.7")
    assert key == limit.key("198.51.100.7")
    assert b"198.51.100.7" not in key and len(key) == 16
    assert key != limiter(1, clock).key("198.51.100.7")  # another process, another secret
    assert limit.hit("198.51.100.7") is None
    assert limit.hit("198.51.100.7") is not None
    clock.day += 1
    assert limit.key("198.51.100.7") != key  # tomorrow's key cannot be tied to today's
    assert limit.hit("198.51.100.7") is None  # and yesterday's count is gone with it


def test_memory_stays_bounded_and_idle_clients_are_purged() -> None:
    clock = Clock()
    limit = limiter(1, clock, max_clients=3)
    for number in range(10):
        limit.hit(f"198.51.100.{number}")
    assert len(limit) == 3
    assert limit.hit("198.51.100.9") is not None  # the most recent are the ones kept
    clock.now += 61
    assert limit.purge() == 3
    assert len(limit) == 0


@pytest.mark.anyio
async def test_when_redis_is_unreachable_messages_pass_and_are_counted_in_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limit = limiter(2, clock)
    nobody = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limit.share(nobody)
    try:
        with caplog.at_level(logging.INFO, logger="kakekomi.rate_limit"):
            assert await limit.check("198.51.100.7") is None  # not refused for Redis's sake
            assert await limit.check("198.51.100.7") is None
            assert await limit.check("198.51.100.7") == 60  # the limit still holds
            clock.now += REDIS_RETRY_SECONDS  # Redis is tried again later: still down
            assert await limit.check("198.51.100.8") is None
    finally:
        await nobody.aclose()
    # One event for the outage, without the address.
    assert [r.getMessage() for r in caplog.records] == [
        "rate_limit.redis_unavailable error=ConnectionError: counting in memory"
    ]


# Through the app.


@pytest.fixture
def limited(settings: Settings, rasa: FakeRasa) -> FastAPI:
    return create_app(
        settings.model_copy(update={"rate_limit": 2}), rasa_transport=httpx.MockTransport(rasa)
    )


def _client(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@pytest.mark.anyio
async def test_past_the_limit_a_client_gets_429_with_retry_after_and_others_do_not(
    limited: FastAPI, rasa: FakeRasa
) -> None:
    async with limited.router.lifespan_context(limited):
        async with _client(limited, "203.0.113.7") as her, _client(limited, "203.0.113.8") as other:
            for _ in range(2):
                assert (await her.post("/api/chat", json={"text": "hi"})).status_code == 200
            refused = await her.post("/api/chat", json={"text": "hi"})
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.json() == {
                "detail": "too many messages",
                "retry_after": int(refused.headers["retry-after"]),
            }
            # Refused before the assistant heard of it.
            assert len(rasa.messages) == 2
            # A malformed request is refused as such, and never counted (issue 15, item 4).
            bad = await her.post(
                "/api/chat", content=b"{broken", headers={"content-type": "application/json"}
            )
            assert bad.status_code == 422
            # The page, the health check and forgetting are never limited.
            assert (await her.get("/")).status_code == 200
            assert (await her.get("/healthz")).status_code == 200
            assert (await her.delete(f"/api/chat/{'A' * 32}")).status_code == 204
            # Someone else is not affected.
            assert (await other.post("/api/chat", json={"text": "hi"})).status_code == 200


@pytest.mark.parametrize(("value", "expected"), [("30", 30), ("1", 1), ("500", 500)])
def test_the_limit_is_read_from_kakekomi_rate_limit(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("KAKEKOMI_RATE_LIMIT", value)
    get_settings.cache_clear()
    try:
        assert get_settings().rate_limit == expected
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("value", ["0", "-1", "ten", "2.5"])
def test_a_limit_that_is_not_a_positive_integer_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KAKEKOMI_RATE_LIMIT", value)
    with pytest.raises(ValueError, match="rate_limit"):
        Settings()


def test_the_default_is_30_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAKEKOMI_RATE_LIMIT", raising=False)
    assert Settings().rate_limit == 30
