"""A real gateway (uvicorn subprocess) with a real outbox database, the NGO's real receiver,
a scripted Rasa for the consent turns, and an NGO signing key to sign replies with."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.keys import (
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from kakekomi_ngo.protocol import sign_headers
from kakekomi_ngo.replies import ReplyTarget, make_reply
from tests.live_engines import Engine, running_postgres
from tests.live_servers import FakeRasa, Gateway, Receiver, start_gateway, start_ngo_receiver

HELP = "please help me, my boss took my passport"
CONSENT = {"text": "Shall I send it?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
ASK_CONTACT = {
    "text": "How can they reach you?",
    "buttons": [
        {"title": "Skip", "payload": "/deny"},
        {"title": "Code", "payload": "/reply_code"},
    ],
}


def consent_bot(body: dict[str, Any]) -> tuple[int, Any]:
    """Rasa's side of the consent flow, as the rules and actions produce it."""
    message, metadata = body["message"], body.get("metadata") or {}
    if message == "/affirm" and "handoff" not in metadata:
        custom = {"handoff": {"urgency": "normal", "topics": ["request_help"]}}
        replies: list[dict[str, Any]] = [{"custom": custom}, ASK_CONTACT]
    elif "handoff" in metadata:
        replies = [{"text": f"result {metadata['handoff']} after {message}"}]
    else:
        replies = [{"text": "You are not alone."}, CONSENT]
    return 200, [{"recipient_id": body["sender"], **r} for r in replies]


@dataclass
class Ngo:
    """The NGO: its receiver (kakekomi-ngo serve) and its own signing key for replies."""

    receiver: Receiver
    signing_key: ed25519.Ed25519PrivateKey
    signing_public_path: Path

    def handoffs(self) -> list[dict[str, Any]]:
        """Every handoff it has decrypted, oldest file first."""
        found = []
        for path in self.receiver.handoff_files():
            found.append(json.loads(path.read_text(encoding="utf-8")))
        return found

    def wait_for_handoffs(self, count: int, within: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while len(self.handoffs()) < count:
            assert time.monotonic() < deadline, f"{len(self.handoffs())} of {count} handoffs"
            time.sleep(0.1)
        return self.handoffs()

    def signed_reply(
        self,
        target: ReplyTarget,
        text: str,
        *,
        reply_id: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A reply sealed to her key and signed with the NGO's key, as the contract says."""
        reply_id, body = make_reply(target, text, reply_id)
        headers = sign_headers(reply_id, body, self.signing_key, timestamp)
        headers["content-type"] = "application/json"
        return body, headers


@dataclass
class Setup:
    """What each test gets: the gateway, the NGO, the data folder, a way to restart."""

    gateway: Gateway
    ngo: Ngo
    folder: Path
    restart: Callable[[], Gateway]
    outbox_url: str | None

    @property
    def url(self) -> str:
        return self.gateway.url

    def chat_to_code(self, language: str = "en", words: str = HELP) -> tuple[str, str]:
        """Ask for help, say yes, choose the code: returns (session, the code message)."""
        first = self.post("/api/chat", {"session": None, "text": words, "language": language})
        session = first.json()["session"]
        self.post("/api/chat", {"session": session, "text": "/affirm", "language": language})
        done = self.post(
            "/api/chat", {"session": session, "text": "/reply_code", "language": language}
        )
        assert done.status_code == 200, done.text
        return session, done.json()["messages"][-1]["text"]

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=30, trust_env=False, **kwargs)

    def post_raw(self, path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(
            self.url + path, content=content, headers=headers, timeout=30, trust_env=False
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[Engine]:
    with running_postgres() as engine:
        yield engine


def fresh_database(engine: Engine) -> str:
    """A new, empty database in the test cluster: no test sees another's rows."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return engine.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> str | None:
    """The outbox's database: the SQLite file (None) or a PostgreSQL URL."""
    if request.param == "sqlite":
        return None
    return fresh_database(request.getfixturevalue("postgres"))


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(reply=consent_bot).start()
    yield fake
    fake.stop()


def write_signing_pair(folder: Path) -> tuple[ed25519.Ed25519PrivateKey, Path]:
    """The NGO's own Ed25519 key, the public half as PEM (what keygen writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    public = folder / "ngo-signing-public-key.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key, public


@pytest.fixture
def make_setup(tmp_path: Path, rasa: FakeRasa) -> Iterator[Callable[..., Setup]]:
    """Start the receiver and the gateway; every process is stopped afterwards."""
    started: list[Gateway | Receiver] = []

    def make(outbox_url: str | None = None, **settings: str | int | float) -> Setup:
        folder = tmp_path / "gateway"
        data_dir = folder / "var"
        gateway_key = data_dir / "signing-key.pem"
        load_or_create_signing_key(gateway_key)
        ngo_private, ngo_public = write_ngo_key_pair(tmp_path / "ngo-keys", generate_ngo_key())
        signing_key, signing_public = write_signing_pair(tmp_path / "ngo-keys")
        receiver = start_ngo_receiver(
            ngo_private, signing_public_key_path(gateway_key), tmp_path / "ngo-folder"
        )
        started.append(receiver)
        values: dict[str, str | int | float] = {
            "ngo_url": receiver.url,
            "ngo_public_key": str(ngo_public),
            "ngo_signing_public_key": str(signing_public),
            "retry_schedule": "0.2,0.5,1",
            **settings,
        }
        if outbox_url is not None:
            values["outbox_url"] = outbox_url

        def restart() -> Gateway:
            gateway = start_gateway(folder, rasa.port, **values)
            started.append(gateway)
            return gateway

        ngo = Ngo(receiver, signing_key, signing_public)
        return Setup(restart(), ngo, folder, restart, outbox_url)

    yield make
    for process in reversed(started):
        process.stop()


def reply_target(handoff: dict[str, Any]) -> ReplyTarget:
    """The handoff's reply member, as the NGO reads it."""
    reply = handoff["reply"]
    assert set(reply) == {"mailbox", "public_key"}
    assert len(base64.b64decode(reply["public_key"])) == 32
    return ReplyTarget(mailbox=reply["mailbox"], public_key=reply["public_key"])
