"""A ``/readyz`` flood against the real gateway and a busy Rasa: her chat is still answered.

Issue 15, item 1. The gateway is a real uvicorn process; Rasa is the fake of
``tests.live_servers`` with a health probe that takes 1 s, as a busy Rasa's does. 127.0.0.2
floods ``/readyz`` with 1,000 requests at once; 127.0.0.3 is her, chatting meanwhile.
Bounded: about ten seconds with the fix (the old gateway took half a minute and failed her).
Run with ``-s`` to see her latencies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_servers import FakeRasa, Gateway, start_gateway

FLOODER = "127.0.0.2"
PERSON = "127.0.0.3"
FLOOD = 1000
HEALTH_SECONDS = 1.0


@pytest.fixture
def busy_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(health_seconds=HEALTH_SECONDS).start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(busy_rasa: FakeRasa, tmp_path: Path) -> Iterator[Gateway]:
    server = start_gateway(tmp_path, busy_rasa.port)
    yield server
    server.stop()


def client_from(address: str, gateway: Gateway, connections: int) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        local_address=address, limits=httpx.Limits(max_connections=connections)
    )
    return httpx.AsyncClient(base_url=gateway.url, transport=transport, timeout=60, trust_env=False)


async def timed_chat(person: httpx.AsyncClient, text: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await person.post("/api/chat", json={"text": text, "language": "en"})
    return response, time.perf_counter() - started


async def flood_while_she_chats(gateway: Gateway) -> dict[str, object]:
    async with (
        client_from(FLOODER, gateway, FLOOD) as flooder,
        client_from(PERSON, gateway, 4) as person,
    ):
        before = await timed_chat(person, "hello")
        flood = [asyncio.create_task(flooder.get("/readyz")) for _ in range(FLOOD)]
        await asyncio.sleep(1.0)  # the flood has reached the gateway
        during = await timed_chat(person, "help me")
        answers = await asyncio.gather(*flood, return_exceptions=True)
        after = await timed_chat(person, "are you there")
    return {"before": before, "during": during, "after": after, "flood": answers}


def test_a_readyz_flood_does_not_cut_her_off_from_rasa(
    gateway: Gateway, busy_rasa: FakeRasa
) -> None:
    started = time.monotonic()
    result = asyncio.run(flood_while_she_chats(gateway))
    took = time.monotonic() - started
    flood = result["flood"]
    assert isinstance(flood, list)
    codes = [a.status_code if isinstance(a, httpx.Response) else type(a).__name__ for a in flood]
    for moment in ("before", "during", "after"):
        response, seconds = result[moment]  # type: ignore[misc]
        print(f"her chat {moment} the flood: {response.status_code} in {seconds * 1000:.0f} ms")
        assert response.status_code == 200, moment
        assert response.json()["messages"][0]["text"].startswith("echo ")
    print(
        f"flood of {FLOOD} /readyz: {codes.count(200)} x 200, {codes.count(503)} x 503, "
        f"{len(busy_rasa.probed)} probes reached Rasa, {took:.1f} s in all"
    )
    # Every flood request got an answer, and the probes that reached Rasa stayed few: the
    # readiness result is shared, not fetched once per caller.
    assert set(codes) <= {200, 503}
    assert len(busy_rasa.probed) < 60
