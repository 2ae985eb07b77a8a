"""The reference receiver as a real process on 127.0.0.1, fed real signed POSTs."""

from __future__ import annotations

import contextlib
import json
import socket
import stat
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from kakekomi_ngo import protocol
from kakekomi_ngo.keys import load_ngo_private_key, load_ngo_public_key, load_signing_public_key
from kakekomi_ngo.receiver import Answer, HandoffReceiver, make_server

if TYPE_CHECKING:
    from tests.ngo.conftest import KeyFiles, StartReceiver

CANARY = "CANARY-3e9b 逃げたい"


def signed_post(
    url: str, keys: KeyFiles, handoff: dict[str, Any], *, timestamp: int | None = None
) -> httpx.Response:
    body = protocol.encrypt_handoff(handoff, load_ngo_public_key(keys.ngo_public))
    headers = protocol.sign_headers(handoff["id"], body, keys.signing_key, timestamp)
    headers["content-type"] = "application/json"
    return httpx.post(url, content=body, headers=headers, timeout=10)


def handoff(handoff_id: str) -> dict[str, Any]:
    return {
        "id": handoff_id,
        "created_at": "2025-01-31T09:41:00Z",
        "language": "ja",
        "urgency": "normal",
        "topics": ["request_help"],
        "words": [CANARY],
        "contact": None,
    }


def test_serve_receives_verifies_and_stores_a_real_post(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    out = tmp_path / "inbox"
    receiver = start_receiver(key_files, out)

    first = signed_post(receiver.url, key_files, handoff("h-1"))
    assert first.status_code == 200 and first.json() == {"status": "stored"}
    stored = out / "h-1.json"
    assert json.loads(stored.read_text("utf-8")) == handoff("h-1")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700

    again = signed_post(receiver.url, key_files, handoff("h-1"))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    stale = signed_post(receiver.url, key_files, handoff("h-2"), timestamp=int(time.time()) - 301)
    assert stale.status_code == 401
    unsigned = httpx.post(receiver.url, content=b"{}", headers={"content-type": "application/json"})
    assert unsigned.status_code == 400
    assert httpx.get(receiver.url).status_code == 405
    assert httpx.get(receiver.url + "healthz").status_code == 200
    assert sorted(p.name for p in out.glob("*.json")) == ["h-1.json"]

    log = receiver.stop()
    assert "handoff.stored id=h-1" in log and "handoff.duplicate id=h-1" in log
    assert "CANARY" not in log and "逃げたい" not in log


def test_serve_writes_her_words_as_readable_utf8(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    """A caseworker opens the file in any editor: Thai, not \\u0e02 escapes."""
    out = tmp_path / "inbox"
    receiver = start_receiver(key_files, out)
    thai = "ขอความช่วยเหลือ นายจ้างยึดพาสปอร์ต"
    sent = handoff("h-th") | {"language": "th", "words": [thai]}
    assert signed_post(receiver.url, key_files, sent).status_code == 200
    raw = (out / "h-th.json").read_bytes()
    assert thai.encode("utf-8") in raw
    assert b"\\u0e" not in raw.lower()
    assert json.loads(raw.decode("utf-8")) == sent


def test_serve_still_drops_duplicates_after_a_restart(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    out = tmp_path / "inbox"
    first = start_receiver(key_files, out)
    assert signed_post(first.url, key_files, handoff("h-9")).json() == {"status": "stored"}
    first.stop()
    (out / "h-9.json").unlink()  # the caseworker took it away

    second = start_receiver(key_files, out)
    answer = signed_post(second.url, key_files, handoff("h-9"))
    assert answer.status_code == 200 and answer.json() == {"status": "duplicate"}
    assert not list(out.glob("*.json"))


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"content-type": "text/plain"}, 415), ({"content-type": "application/json"}, 413)],
)
def test_serve_refuses_wrong_type_and_huge_bodies(
    tmp_path: Path,
    key_files: KeyFiles,
    start_receiver: StartReceiver,
    headers: dict[str, str],
    status: int,
) -> None:
    receiver = start_receiver(key_files, tmp_path / "inbox")
    size = 10 if status == 415 else 1024 * 1024 + 1
    assert httpx.post(receiver.url, content=b"x" * size, headers=headers).status_code == status


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes on a fresh socket; return everything the receiver answers until it closes."""
    parts = urlsplit(url)
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/"), f"no HTTP answer, the connection was dropped: {answer!r}"
    return int(answer.split(b" ", 2)[1])


def signed_request(keys: KeyFiles, handoff_id: str, **replace: bytes) -> bytes:
    """A signed POST as raw bytes, with some header values replaced by raw bytes."""
    body = protocol.encrypt_handoff(handoff(handoff_id), load_ngo_public_key(keys.ngo_public))
    headers = {
        name: value.encode()
        for name, value in protocol.sign_headers(handoff_id, body, keys.signing_key).items()
    }
    headers |= {
        b"content-type".decode(): b"application/json",
        "content-length": str(len(body)).encode(),
    }
    headers |= {name.replace("_", "-"): value for name, value in replace.items()}
    head = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers.items())
    return b"POST / HTTP/1.1\r\nHost: ngo\r\n" + head + b"\r\n" + body


@pytest.mark.parametrize(
    ("replace", "status"),
    [
        # Latin-1 superscript two: str.isdigit() says yes, int() says no.
        ({"content_length": b"\xb2"}, 400),
        ({"content_length": "١٢".encode()}, 400),
        ({"content_length": b"-1"}, 400),
        ({"content_length": b"1" * 5000}, 413),
        ({"webhook_timestamp": b"1" * 5000}, 400),
        ({"webhook_timestamp": b"\xb2"}, 400),
    ],
    ids=[
        "superscript-length",
        "arabic-length",
        "negative-length",
        "5000-digit-length",
        "5000-digit-timestamp",
        "superscript-timestamp",
    ],
)
def test_serve_answers_bad_headers_with_4xx_not_a_dropped_connection(
    tmp_path: Path,
    key_files: KeyFiles,
    start_receiver: StartReceiver,
    replace: dict[str, bytes],
    status: int,
) -> None:
    out = tmp_path / "inbox"
    receiver = start_receiver(key_files, out)
    answer = raw_exchange(receiver.url, signed_request(key_files, "h-1", **replace))
    assert status_of(answer) == status
    # Still serving, and the same handoff with honest headers is stored.
    assert status_of(raw_exchange(receiver.url, signed_request(key_files, "h-1"))) == 200
    log = receiver.stop()
    assert "Traceback" not in log
    assert [p.name for p in out.glob("*.json")] == ["h-1.json"]


def test_serve_caps_its_connections_and_cuts_off_slow_senders(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    out = tmp_path / "inbox"
    receiver = start_receiver(key_files, out, "--max-connections", "4", "--request-seconds", "2")
    parts = urlsplit(receiver.url)
    # Slowloris: every place taken by a connection that starts a request and never finishes.
    slow = [socket.create_connection((parts.hostname, parts.port), timeout=10) for _ in range(4)]
    for sock in slow:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: ngo\r\n")
        time.sleep(0.1)
    time.sleep(0.3)
    # A whole request still gets in: the longest-sending connection makes room for it.
    assert status_of(raw_exchange(receiver.url, signed_request(key_files, "h-1"))) == 200
    assert slow[0].recv(65536) == b""  # the first slow one was cut off for it
    # The rest are cut off at their deadline, never held for ever.
    started = time.monotonic()
    for sock in slow[1:]:
        sock.settimeout(5)
        with contextlib.suppress(ConnectionResetError):
            while sock.recv(65536):
                pass
    assert time.monotonic() - started < 4
    for sock in slow:
        sock.close()
    assert status_of(raw_exchange(receiver.url, signed_request(key_files, "h-2"))) == 200
    log = receiver.stop()
    assert "Traceback" not in log
    assert "connections.full cut-off=1" in log
    assert sorted(p.name for p in out.glob("*.json")) == ["h-1.json", "h-2.json"]


class StuckReceiver(HandoffReceiver):
    """A receiver whose disk hangs: every handoff waits until released."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def handle(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> Answer:
        self.release.wait(10)
        return super().handle(headers, body, now)


def test_serve_answers_503_when_every_place_is_busy_storing(
    tmp_path: Path, key_files: KeyFiles
) -> None:
    receiver = StuckReceiver(
        private_keys=[load_ngo_private_key(key_files.ngo_private)],
        sender_keys=[load_signing_public_key(key_files.signing_public)],
        out_dir=tmp_path / "inbox",
    )
    server = make_server("127.0.0.1", 0, receiver, max_connections=2)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with ThreadPoolExecutor(2) as pool:
            stuck = [
                pool.submit(raw_exchange, url, signed_request(key_files, f"h-{n}")) for n in (1, 2)
            ]
            time.sleep(0.5)
            # Both places hold whole requests (none is still sending): a third is turned away.
            busy = raw_exchange(url, signed_request(key_files, "h-3"))
            assert status_of(busy) == 503 and b"Retry-After: 60" in busy
            receiver.release.set()
            assert [status_of(f.result(timeout=10)) for f in stuck] == [200, 200]
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
