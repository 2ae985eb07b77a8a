"""Nobody can use up her allowance: cross-site posts, her network, a whole IPv6 /48.

Issue 15, item 4 and the /48 half of item 2, against the real gateway (a uvicorn process)
and the fake Rasa over real sockets. 127.0.0.3 is her address (Linux routes all of 127/8
to loopback); IPv6 clients come through a local proxy's ``X-Forwarded-For`` (uvicorn
trusts it from 127.0.0.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_servers import FakeRasa, Gateway, start_gateway

HER = "127.0.0.3"
LIMIT = 30
PER_48 = 50


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(rasa: FakeRasa, tmp_path: Path) -> Iterator[Gateway]:
    server = start_gateway(tmp_path, rasa.port, rate_limit=LIMIT, rate_limit_per_48=PER_48)
    yield server
    server.stop()


def client_from(address: str, gateway: Gateway) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=gateway.url, transport=transport, timeout=10, trust_env=False)


def test_cross_site_posts_do_not_use_up_her_allowance(gateway: Gateway) -> None:
    with client_from(HER, gateway) as browser:
        # What any web page she opens can send without a CORS preflight: a text/plain post.
        for _ in range(LIMIT + 5):
            forged = browser.post(
                "/api/chat",
                content=b'{"text": "spam"}',
                headers={"content-type": "text/plain", "origin": "https://evil.example"},
            )
            assert forged.status_code == 422
        mine = browser.post("/api/chat", json={"text": "help me"})
    assert mine.status_code == 200


def test_her_conversation_keeps_its_own_allowance(gateway: Gateway) -> None:
    with client_from(HER, gateway) as her, client_from(HER, gateway) as someone:
        session = her.post("/api/chat", json={"text": "hello"}).json()["session"]
        # Someone on her network (her address) starts conversation after conversation.
        codes = [someone.post("/api/chat", json={"text": "x"}).status_code for _ in range(40)]
        assert codes.count(429) >= 10
        for _ in range(5):
            mine = her.post("/api/chat", json={"text": "still there?", "session": session})
            assert (mine.status_code, mine.json()["session"]) == (200, session)


def test_the_64s_of_one_48_share_an_allowance_for_new_conversations(gateway: Gateway) -> None:
    def new_conversation(address: str) -> int:
        return httpx.post(
            f"{gateway.url}/api/chat",
            json={"text": "hi"},
            headers={"x-forwarded-for": address},
            trust_env=False,
            timeout=10,
        ).status_code

    codes = [new_conversation(f"2001:db8:5:{n:x}::1") for n in range(2 * PER_48)]
    assert codes.count(200) == PER_48 and codes.count(429) == PER_48
    assert new_conversation("2001:db8:6::1") == 200  # another /48 is not affected
    assert "2001:db8" not in gateway.log()
