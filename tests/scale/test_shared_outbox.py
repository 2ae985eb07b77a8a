"""Two real gateways share one PostgreSQL outbox: each escalation reaches the NGO once.

Both gateways are uvicorn processes with their own delivery worker, the NGO is the real
reference receiver (``kakekomi-ngo serve``), Rasa is faked with the consent payloads the real
actions send. Half the escalations are queued while the receiver is down, so both workers
race on the retries once it is back.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from kakekomi_ngo.keys import (
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from tests.live_servers import (
    FakeRasa,
    Gateway,
    Receiver,
    free_port,
    start_gateway,
    start_ngo_receiver,
)

PER_PHASE = 10
# Quick retries, enough of them for the receiver's downtime never to exhaust the schedule.
RETRY_SCHEDULE = ",".join(["0.2"] * 300)


def consent_bot(body: dict[str, Any]) -> tuple[int, Any]:
    """Rasa's side of the consent flow, as the rules and actions produce it."""
    metadata = body["metadata"]
    if "handoff" in metadata:
        replies: list[dict[str, Any]] = [{"text": f"handoff {metadata['handoff']}"}]
    elif body["message"] == "/affirm":
        handoff = {"urgency": "normal", "topics": ["request_help"]}
        replies = [{"custom": {"handoff": handoff}}, {"text": "How can they reach you?"}]
    else:
        replies = [{"text": "Shall I send it to the NGO?"}]
    return 200, [{"recipient_id": body["sender"], **reply} for reply in replies]


def wait_for(check: Callable[[], bool], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def escalate(gateway: Gateway, number: int, result: str = "queued") -> None:
    """One person asks for help, says yes and leaves a contact, all on one gateway."""
    with httpx.Client(base_url=gateway.url, timeout=10, trust_env=False) as http:

        def say(text: str, session: str | None) -> dict[str, Any]:
            answer = http.post("/api/chat", json={"session": session, "text": text})
            assert answer.status_code == 200
            return answer.json()

        session = say(f"please help me get out, I am number {number}", None)["session"]
        assert say("/affirm", session)["messages"][0]["text"] == "How can they reach you?"
        done = say(f"LINE: canary-{number}", session)
        assert done["messages"][0]["text"] == f"handoff {result}"


def outbox(gateway: Gateway) -> dict[str, Any]:
    answer = httpx.get(f"{gateway.url}/api/admin/outbox", timeout=10, trust_env=False)
    assert answer.status_code == 200
    return answer.json()


def ngo_keys(folder: Path) -> tuple[Path, Path, Path]:
    """The NGO's private and public key files, and our signing key (one for every gateway)."""
    private_key, public_key = write_ngo_key_pair(folder / "ngo-keys", generate_ngo_key())
    signing_key = folder / "signing" / "signing-key.pem"
    load_or_create_signing_key(signing_key)
    return private_key, public_key, signing_key


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(reply=consent_bot).start()
    yield fake
    fake.stop()


def test_two_gateways_deliver_each_escalation_exactly_once(
    rasa: FakeRasa, postgres_url: str, tmp_path: Path
) -> None:
    private_key, public_key, signing_key = ngo_keys(tmp_path)
    inbox, port = tmp_path / "ngo-inbox", free_port()

    def receiver() -> Receiver:
        return start_ngo_receiver(private_key, signing_public_key_path(signing_key), inbox, port)

    receivers, gateways, logs = [receiver()], [], []
    try:
        for name in ("a", "b"):
            gateways.append(
                start_gateway(
                    tmp_path / name,
                    rasa.port,
                    ngo_url=receivers[0].url,
                    ngo_public_key=str(public_key),
                    signing_key=str(signing_key),
                    outbox_url=postgres_url,
                    retry_schedule=RETRY_SCHEDULE,
                    rate_limit=10_000,
                )
            )
        # The receiver up: escalations through both gateways in turn.
        for number in range(PER_PHASE):
            escalate(gateways[number % 2], number)
        wait_for(lambda: outbox(gateways[0])["delivered"] == PER_PHASE)

        # The receiver down: every new escalation fails at least once, on either worker.
        logs.append(receivers[0].stop())
        for number in range(PER_PHASE, 2 * PER_PHASE):
            escalate(gateways[number % 2], number)
        wait_for(lambda: outbox(gateways[0])["retrying"] == PER_PHASE)
        with psycopg.connect(postgres_url) as conn:
            bodies = [row[0] for row in conn.execute("SELECT body FROM outbox")]
        assert len(bodies) == PER_PHASE
        for body in bodies:  # ciphertext only
            assert b"canary" not in body and b"please help" not in body

        # Back up: both workers race on the retries.
        receivers.append(receiver())
        wait_for(lambda: outbox(gateways[1])["delivered"] == 2 * PER_PHASE)
        for gateway in gateways:
            figures = outbox(gateway)
            assert (figures["queued"], figures["retrying"], figures["dead"]) == (0, 0, 0)
        logs.append(receivers[1].stop())
    finally:
        for gateway in gateways:
            gateway.stop()
        for running in receivers:
            running.stop()

    # She reached the NGO once each, whichever gateway she used: none missing, none twice.
    handoffs = [json.loads(path.read_text()) for path in sorted(inbox.glob("*.json"))]
    numbers = sorted(int(h["words"][0].rsplit(" ", 1)[1]) for h in handoffs)
    assert numbers == list(range(2 * PER_PHASE))
    for handoff in handoffs:
        assert handoff["contact"]["value"].startswith("LINE: canary-")
    received = re.findall(r"handoff\.(stored|duplicate) id=(\S+)", "".join(logs))
    assert [handoff_id for kind, handoff_id in received if kind == "duplicate"] == []
    assert sorted(handoff_id for _, handoff_id in received) == sorted(h["id"] for h in handoffs)
    # Each was delivered by one worker only, and the gateways logged no content.
    gateway_logs = "".join(gateway.log() for gateway in gateways)
    delivered = Counter(re.findall(r"escalation\.delivered id=(\S+)", gateway_logs))
    assert sorted(delivered) == sorted(handoff["id"] for handoff in handoffs)
    assert set(delivered.values()) == {1}
    assert "canary" not in gateway_logs and "please help" not in gateway_logs


def test_a_database_that_is_down_stops_no_chat_and_she_is_told_it_failed(
    rasa: FakeRasa, tmp_path: Path
) -> None:
    _, public_key, signing_key = ngo_keys(tmp_path)
    nobody = f"postgresql://kakekomi@127.0.0.1:{free_port()}/kakekomi"
    gateway = start_gateway(  # it starts: her chat does not depend on the outbox
        tmp_path / "gateway",
        rasa.port,
        ngo_url=f"http://127.0.0.1:{free_port()}/",
        ngo_public_key=str(public_key),
        signing_key=str(signing_key),
        outbox_url=nobody,
    )
    try:
        escalate(gateway, 1, result="failed")
        figures = httpx.get(f"{gateway.url}/api/admin/outbox", timeout=30, trust_env=False)
        assert figures.status_code == 503
    finally:
        gateway.stop()
    assert "canary" not in gateway.log()
