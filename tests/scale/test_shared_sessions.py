"""Sessions shared in a real Redis: two gateway processes serve one conversation in turn.

As behind a load balancer without stickiness, consecutive messages of one conversation go
to different gateways; both talk to one fake Rasa and hand off to the NGO's real receiver.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from kakekomi_ngo.keys import (
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from tests.live_engines import Engine
from tests.live_servers import FakeRasa, Gateway, Receiver, start_gateway, start_ngo_receiver

FIRST = "tengo miedo, mi jefe me quitó el pasaporte"
HELP = "por favor ayúdame a salir, mi jefe me vigila"
CONTACT = "LINE: maria_2024 después de las 10"


def bot(body: dict[str, Any]) -> tuple[int, Any]:
    """Rasa's side of the consent flow, as its rules and actions produce it."""
    message, metadata = body["message"], body["metadata"]
    if message == HELP:
        replies = [
            {
                "text": "¿Envío tu pedido de ayuda?",
                "buttons": [{"title": "Sí", "payload": "/affirm"}],
            }
        ]
    elif message == "/affirm" and "handoff" not in metadata:
        custom = {"handoff": {"urgency": "emergency", "topics": ["request_help"]}}
        replies = [{"custom": custom}, {"text": "¿Cómo te pueden contactar?"}]
    elif "handoff" in metadata:
        replies = [{"text": f"handoff {metadata['handoff']}"}]
    else:
        replies = [{"text": f"eco {message}"}]
    return 200, [{"recipient_id": body["sender"], **reply} for reply in replies]


@dataclass
class Cluster:
    """Two gateways sharing one Redis, one fake Rasa and the NGO's receiver."""

    a: Gateway
    b: Gateway
    rasa: FakeRasa
    receiver: Receiver

    def say(self, gateway: Gateway, text: str, session: str | None = None) -> dict[str, Any]:
        body = {"session": session, "text": text, "language": None}
        answer = httpx.post(f"{gateway.url}/api/chat", json=body, timeout=30, trust_env=False)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def outbox(self, gateway: Gateway) -> dict[str, Any]:
        answer = httpx.get(f"{gateway.url}/api/admin/outbox", timeout=10, trust_env=False)
        figures: dict[str, Any] = answer.json()
        return figures


@pytest.fixture(scope="module")
def cluster(redis_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Started once for this file's tests: each has its own conversations."""
    tmp_path = tmp_path_factory.mktemp("shared-sessions")
    ngo_private, ngo_public = write_ngo_key_pair(tmp_path / "ngo-keys", generate_ngo_key())
    signing_key = tmp_path / "signing-key.pem"  # one sender key for both gateways
    load_or_create_signing_key(signing_key)
    receiver = start_ngo_receiver(
        ngo_private, signing_public_key_path(signing_key), tmp_path / "inbox"
    )
    rasa = FakeRasa(reply=bot).start()
    started: list[Gateway] = []
    try:
        for name in ("a", "b"):
            gateway = start_gateway(
                tmp_path / name,
                rasa.port,
                redis_url=redis_engine.url,
                ngo_url=receiver.url,
                ngo_public_key=str(ngo_public),
                signing_key=str(signing_key),
            )
            started.append(gateway)
        yield Cluster(*started, rasa=rasa, receiver=receiver)
    finally:
        for gateway in started:
            gateway.stop()
        rasa.stop()
        receiver.stop()


def wait_for(condition: Callable[[], bool], within: float = 20.0) -> None:
    """Poll until the condition holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_conversation_alternates_between_gateways_through_the_handoff(
    cluster: Cluster,
) -> None:
    a, b = cluster.a, cluster.b
    before = set(cluster.receiver.handoff_files())
    start = len(cluster.rasa.received)
    first = cluster.say(a, FIRST)
    session = first["session"]
    assert first["language"] == "es"
    # "ok" names no language: gateway b knows the conversation's from a.
    assert cluster.say(b, "ok", session) == {
        "session": session,
        "language": "es",
        "messages": [{"text": "eco ok", "buttons": [], "contacts": []}],
    }
    cluster.say(a, HELP, session)
    asked = cluster.say(a, "/affirm", session)  # her yes, recorded by a
    assert [m["text"] for m in asked["messages"]] == ["¿Cómo te pueden contactar?"]
    done = cluster.say(b, CONTACT, session)  # her contact, answered by b
    assert done["session"] == session
    assert [m["text"] for m in done["messages"]] == ["handoff queued"]

    wait_for(lambda: len(set(cluster.receiver.handoff_files()) - before) == 1)
    (stored,) = set(cluster.receiver.handoff_files()) - before
    handoff = json.loads(stored.read_text("utf-8"))
    assert handoff["words"] == [FIRST, "ok", HELP]  # via a, b and a
    assert handoff["contact"] == {"method": "line", "value": CONTACT}
    assert (handoff["language"], handoff["urgency"]) == ("es", "emergency")
    heard = cluster.rasa.received[start:]
    assert [m["message"] for m in heard] == [FIRST, "ok", HELP, "/affirm", "/affirm"]
    assert {m["sender"] for m in heard} == {session}  # one conversation for Rasa, too

    # The quick exit on a forgets the conversation on b too.
    forgotten = httpx.delete(f"{a.url}/api/chat/{session}", timeout=10, trust_env=False)
    assert forgotten.status_code == 204
    again = cluster.say(b, "ok", session)
    assert again["session"] != session
    assert again["language"] == "en"  # nothing of the old conversation is left
    assert cluster.rasa.received[-1]["sender"] == again["session"]


def test_her_contact_sent_to_both_gateways_at_once_is_handed_off_once(
    cluster: Cluster,
) -> None:
    gateways = (cluster.a, cluster.b)
    delivered_before = sum(cluster.outbox(g)["delivered"] for g in gateways)
    before = set(cluster.receiver.handoff_files())
    session = cluster.say(cluster.a, HELP)["session"]
    cluster.say(cluster.b, "/affirm", session)
    answers: list[list[str]] = []

    def send(gateway: Gateway) -> None:
        reply = cluster.say(gateway, CONTACT, session)
        answers.append([m["text"] for m in reply["messages"]])

    threads = [threading.Thread(target=send, args=(g,)) for g in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # One of them takes the handoff; the other is an ordinary message.
    assert sorted(answers) == [[f"eco {CONTACT}"], ["handoff queued"]]

    def all_delivered() -> bool:
        figures = [cluster.outbox(g) for g in gateways]
        return all(f["queued"] == f["retrying"] == f["dead"] == 0 for f in figures)

    wait_for(all_delivered)
    assert sum(cluster.outbox(g)["delivered"] for g in gateways) == delivered_before + 1
    assert len(set(cluster.receiver.handoff_files()) - before) == 1
