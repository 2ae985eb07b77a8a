"""Many conversations at once, from many IPv6 /64s of one /48: the gateway's memory stays bounded.

Issue 15, item 2, against the real gateway (a uvicorn process) and the fake Rasa. Clients
come through a local proxy's ``X-Forwarded-For`` (uvicorn trusts it from 127.0.0.1), so each
request can carry its own IPv6 address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_servers import FakeRasa, Gateway, echo, start_gateway

CEILING = 20
FALLBACK_EN = ["Police: 110", "Ambulance: 119"]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(rasa: FakeRasa, tmp_path: Path) -> Iterator[Gateway]:
    server = start_gateway(tmp_path, rasa.port, max_sessions=CEILING, rate_limit=1000)
    yield server
    server.stop()


def chat(gateway: Gateway, address: str, text: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/api/chat",
        json={"text": text, "language": "ja", **body},
        headers={"x-forwarded-for": address},
        trust_env=False,
        timeout=10,
    )


def down(body: dict[str, Any]) -> tuple[int, Any]:
    return 503, {"error": "busy"}


def test_a_first_message_rasa_did_not_answer_leaves_no_session(
    gateway: Gateway, rasa: FakeRasa
) -> None:
    rasa.reply = down
    refused = [chat(gateway, f"2001:db8:7:{n:x}::1", "助けて") for n in range(3 * CEILING)]
    assert {r.status_code for r in refused} == {503}
    rasa.reply = echo
    # None of them was kept: each id the fallback carried is unknown, and the ceiling was
    # not reached by them, so someone new is answered.
    for response in refused[:3]:
        again = chat(gateway, "2001:db8:7:1::1", "もしもし", session=response.json()["session"])
        assert again.status_code == 200
        assert again.json()["session"] != response.json()["session"]


def test_past_the_ceiling_a_new_conversation_gets_the_numbers_and_others_go_on(
    gateway: Gateway,
) -> None:
    kept = [chat(gateway, f"2001:db8:7:{n:x}::1", "こんにちは") for n in range(CEILING)]
    assert {r.status_code for r in kept} == {200}
    late = chat(gateway, "2001:db8:9::1", "help me", language="en")
    assert late.status_code == 503
    assert [m["text"] for m in late.json()["messages"]][1:] == FALLBACK_EN
    # Conversations in progress are still answered.
    ongoing = chat(gateway, "2001:db8:7:0::1", "続き", session=kept[0].json()["session"])
    assert (ongoing.status_code, ongoing.json()["session"]) == (200, kept[0].json()["session"])
    assert "sessions_full" in gateway.log() and "2001:db8" not in gateway.log()
