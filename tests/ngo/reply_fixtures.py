"""A folder with handoffs that carry a reply code, and a stand-in for the gateway's reply route.

The stand-in is a real HTTP server on 127.0.0.1 that checks what the gateway checks (the
signature against the pinned NGO key, the timestamp, the v2 body) and answers a scripted
status; the real gateway is in tests/e2e/test_reply_code.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from kakekomi_ngo import protocol, replies
from kakekomi_ngo.files import ensure_private_dir
from kakekomi_ngo.keys import load_signing_public_key, write_ngo_signing_key_pair
from tests.live_servers import JsonHandler, serve_in_background

CANARY = "CANARY-7a41 ส่งพาสปอร์ตคืน"


@dataclass
class Her:
    """Her side: the key pair her code derives and the mailbox it names."""

    private_key: x25519.X25519PrivateKey = field(default_factory=x25519.X25519PrivateKey.generate)
    mailbox: str = "0123456789abcdef0123456789abcdef"

    def reply_member(self) -> dict[str, str]:
        return {
            "mailbox": self.mailbox,
            "public_key": replies.encode_public_key(self.private_key.public_key()),
        }

    def open(self, body: bytes) -> dict[str, Any]:
        reply_id, mailbox, sealed = replies.parse_reply_body(body)
        return dict(replies.open_message(sealed, self.private_key, mailbox, reply_id))


def write_handoff(folder: Path, handoff: dict[str, Any]) -> Path:
    """A handoff file as serve writes it."""
    ensure_private_dir(folder)
    path = folder / f"{handoff['id']}.json"
    path.write_text(json.dumps(handoff, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def request(handoff_id: str, her: Her | None, **extra: Any) -> dict[str, Any]:
    """A request for help: with her reply code if `her` is given, else with a contact."""
    return {
        "id": handoff_id,
        "created_at": "2026-01-01T09:41:00Z",
        "language": "th",
        "urgency": "normal",
        "topics": ["request_help"],
        "words": ["ช่วยด้วย นายจ้างยึดพาสปอร์ต"],
        "contact": None if her else {"method": "line", "value": "rosa-line"},
        "reply": her.reply_member() if her else None,
        **extra,
    }


@dataclass
class NgoSigning:
    """The NGO's signing key pair as keygen writes it."""

    private_path: Path
    public_path: Path

    @classmethod
    def make(cls, folder: Path) -> NgoSigning:
        private, public = write_ngo_signing_key_pair(folder, ed25519.Ed25519PrivateKey.generate())
        return cls(private, public)


@dataclass
class FakeGateway:
    """POST /api/ngo/replies as the gateway checks it; answers `status` once it verifies."""

    pinned: ed25519.Ed25519PublicKey
    status: int = 200
    received: list[bytes] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def fake_gateway(signing: NgoSigning, status: int = 200) -> Iterator[FakeGateway]:
    gateway = FakeGateway(load_signing_public_key(signing.public_path), status)

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            answer = self._check(body)
            gateway.answers.append(answer)
            self.send_json(answer, json.dumps({"status": answer}).encode())

        def _check(self, body: bytes) -> int:
            if self.path != "/api/ngo/replies":
                return 404
            if self.headers.get("content-type") != "application/json":
                return 400
            try:
                verified = protocol.verify_headers(
                    dict(self.headers.items()), body, [gateway.pinned]
                )
                reply_id, _, _ = replies.parse_reply_body(body)
            except (protocol.BadSignature, protocol.StaleTimestamp):
                return 401
            except protocol.MalformedRequest:
                return 400
            if verified != reply_id:
                return 400
            gateway.received.append(body)
            return gateway.status

    server: ThreadingHTTPServer = serve_in_background(Handler)
    gateway.port = server.server_address[1]
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
