"""Hostile and broken input, table by table: never a 500, never an echo, never to Rasa.

The first table drives the app in-process, as a client would; the second speaks raw HTTP
to a real uvicorn process, for what only exists on the wire (chunked bodies, a lying or
huge Content-Length, a body that stops arriving).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.live_servers import FakeRasa, Gateway, start_gateway

if TYPE_CHECKING:
    from tests.api.conftest import FakeRasa as TransportRasa

CANARY = "CANARY-b4d1"
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Case:
    """One request body (raw bytes), its headers, and the status it must get."""

    body: bytes
    status: int
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def as_json(value: object, ascii_only: bool = True) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


CASES: dict[str, Case] = {
    # Not JSON, or JSON that Python's parser refuses.
    "not-json": Case(raw(f"{{text: {CANARY}"), 422),
    "truncated": Case(raw(f'{{"text": "{CANARY}"'), 422),
    "empty-body": Case(b"", 422),
    "only-a-bom": Case(b"\xef\xbb\xbf", 422),
    "invalid-utf8": Case(b'{"text": "\xff\xfe ' + CANARY.encode() + b'"}', 422),
    "overlong-utf8": Case(b'{"text": "\xc0\xaf"}', 422),
    "deeply-nested": Case(b"[" * 10_000, 422),
    "deeply-nested-text": Case(b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", 422),
    "huge-integer": Case(b'{"text": ' + b"9" * 5000 + b"}", 422),
    "nan": Case(b'{"text": NaN}', 422),
    "infinity": Case(b'{"text": -Infinity}', 422),
    "raw-control-byte": Case(b'{"text": "a\x00b"}', 422),
    # JSON of the wrong shape or type.
    "null": Case(b"null", 422),
    "array": Case(b"[]", 422),
    "string": Case(as_json(CANARY), 422),
    "number": Case(b"42", 422),
    "text-object": Case(b'{"text": {"$gt": ""}}', 422),
    "text-bool": Case(b'{"text": true}', 422),
    "text-array": Case(as_json({"text": [CANARY]}), 422),
    "language-array": Case(as_json({"text": CANARY, "language": ["en"]}), 422),
    "language-unknown": Case(as_json({"text": CANARY, "language": "xx"}), 422),
    "session-object": Case(as_json({"text": CANARY, "session": {"id": 1}}), 422),
    "form-encoded": Case(
        raw(f"text={CANARY}"), 422, {"content-type": "application/x-www-form-urlencoded"}
    ),
    "text-plain": Case(as_json({"text": CANARY}), 422, {"content-type": "text/plain"}),
    # Text that is too long or not text.
    "2001-characters": Case(as_json({"text": CANARY + "a" * 2001}), 422),
    "2001-emoji": Case(as_json({"text": "😀" * 2001}, ascii_only=False), 422),
    "blank": Case(as_json({"text": " \u3000\n\t"}), 422),
    "lone-high-surrogate": Case(as_json({"text": f"{CANARY} \ud800"}), 422),
    "lone-low-surrogate": Case(as_json({"text": f"\udc00 {CANARY}"}), 422),
    "reversed-surrogates": Case(as_json({"text": f"{CANARY}\udc00\ud800"}), 422),
    "nul": Case(as_json({"text": f"{CANARY}\x00"}), 422),
    "escape-sequence": Case(as_json({"text": f"\x1b[2J{CANARY}"}), 422),
    "delete": Case(as_json({"text": f"{CANARY}\x7f"}), 422),
    "c1-control": Case(as_json({"text": f"{CANARY}\x85{CANARY}"}), 422),
    "bell-in-session": Case(as_json({"text": "hi", "session": "\x07" * 32}), 200),
    # Too big: refused before it is read.
    "over-16-kib": Case(as_json({"text": "hi", "padding": CANARY * 2000}), 413),
    "declared-1-gib": Case(b"{}", 413, {**JSON, "content-length": str(2**30)}),
    # What must still pass.
    "tab-and-newlines": Case(as_json({"text": "line one\n\tline two\r\n"}), 200),
    "emoji-sequences": Case(as_json({"text": "👩‍👧 🇯🇵 ✊🏽"}, ascii_only=False), 200),
    "2000-emoji": Case(as_json({"text": "😀" * 2000}, ascii_only=False), 200),
    "zero-width-joiner-text": Case(as_json({"text": "ช่วย\u200bด้วย"}), 200),
    "bidi-override": Case(as_json({"text": "\u202eplh\u202c"}), 200),
    "unknown-field": Case(as_json({"text": "hi", "admin": True}), 200),
    "utf8-bom": Case(b"\xef\xbb\xbf" + as_json({"text": "hi"}), 200),
}


@pytest.mark.anyio
@pytest.mark.parametrize("name", CASES)
async def test_bad_input_table(client: httpx.AsyncClient, rasa: TransportRasa, name: str) -> None:
    case = CASES[name]
    response = await client.post("/api/chat", content=case.body, headers=case.headers)
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if case.status == 200:
        assert len(rasa.messages) == 1
    else:
        assert rasa.messages == []  # refused before it reached the assistant
        assert "detail" in body
        assert CANARY not in response.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("session", "status"),
    [
        ("A" * 32, 204),
        ("%00", 204),
        ("%F0%9F%98%80", 204),
        ("%ED%A0%80", 204),  # an encoded lone surrogate
        ("x" * 1000, 204),
        ("..%2F..%2Fetc", 404),  # decodes to a path of its own: no such route
        ("", 307),  # /api/chat/ is redirected to /api/chat, where DELETE is a 405
    ],
)
async def test_forgetting_any_session_path_never_errs(
    client: httpx.AsyncClient, session: str, status: int
) -> None:
    response = await client.delete(f"/api/chat/{session}")
    assert response.status_code == status
    if status == 204:
        beacon = await client.post(f"/api/chat/{session}/forget")
        assert beacon.status_code == 204


@pytest.mark.anyio
async def test_a_chunked_body_past_the_cap_is_refused_while_it_streams(
    client: httpx.AsyncClient, rasa: TransportRasa
) -> None:
    sent: list[int] = []

    async def chunks() -> object:
        for _ in range(100):  # 100 KiB in all, if anyone read it
            sent.append(1)
            yield b"x" * 1024

    response = await client.post("/api/chat", content=chunks(), headers=JSON)  # type: ignore[arg-type]
    assert response.status_code == 413
    assert len(sent) <= 18  # it stopped reading just past 16 KiB
    assert rasa.messages == []


# On the wire, against the real server.


@pytest.fixture(scope="module")
def wire_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    rasa = FakeRasa().start()
    folder: Path = tmp_path_factory.mktemp("bad-input-gateway")
    gateway = start_gateway(folder, rasa.port, request_body_timeout_seconds=1, rate_limit=1000)
    yield gateway
    gateway.stop()
    rasa.stop()


def exchange(
    gateway: Gateway, head: bytes, body: list[bytes], pause: float = 0.0
) -> tuple[int, float]:
    """Send a raw request (head, then body parts), return the status line's code and the time taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(head)
        for part in body:
            try:
                sock.sendall(part)
            except OSError:
                break  # the server already answered and closed
            time.sleep(pause)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, time.monotonic() - started


def post_head(gateway: Gateway, extra: str) -> bytes:
    return (
        f"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:{gateway.port}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


CHUNKED = "Transfer-Encoding: chunked\r\n"
WIRE_CASES = [
    pytest.param(CHUNKED, [chunk(b'{"text": "hi"}'), b"0\r\n\r\n"], 0, 200, id="chunked-small"),
    pytest.param(CHUNKED, [chunk(b"x" * 1024)] * 20 + [b"0\r\n\r\n"], 0, 413, id="chunked-20-kib"),
    pytest.param(f"Content-Length: {10 * 2**30}\r\n", [], 0, 413, id="declared-10-gib"),
    pytest.param("Content-Length: 100\r\n", [b'{"text": "'], 0, 408, id="stalled-body"),
    pytest.param("Content-Length: 100\r\n", [b"x"] * 30, 0.05, 408, id="trickled-body"),
]


@pytest.mark.parametrize(("extra", "body", "pause", "status"), WIRE_CASES)
def test_bad_bodies_on_the_wire(
    wire_gateway: Gateway, extra: str, body: list[bytes], pause: float, status: int
) -> None:
    code, took = exchange(wire_gateway, post_head(wire_gateway, extra), body, pause)
    assert code == status
    assert took < 5  # refused at once, or when the one-second body timeout runs out
    assert httpx.get(f"{wire_gateway.url}/healthz", trust_env=False).status_code == 200
    assert "Traceback" not in wire_gateway.log()


@pytest.mark.anyio
async def test_broken_unicode_from_the_assistant_is_repaired_not_a_crash(
    client: httpx.AsyncClient, rasa: TransportRasa
) -> None:
    rasa.reply = lambda body: httpx.Response(
        200,
        content=b'[{"text": "ok \\ud800 \\udc00", "buttons": [{"title": "\\udfff", "payload": "/p"}]}]',
        headers={"content-type": "application/json"},
    )
    response = await client.post("/api/chat", json={"text": "hi"})
    assert response.status_code == 200
    assert response.json()["messages"] == [
        {
            "text": "ok \ufffd \ufffd",
            "buttons": [{"title": "\ufffd", "payload": "/p"}],
            "contacts": [],
        }
    ]
