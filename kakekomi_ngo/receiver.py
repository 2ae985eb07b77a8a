"""The reference receiver: verify, drop duplicates, decrypt, store durably, then answer 2xx."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.files import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir, is_private_dir
from kakekomi_ngo.keys import NgoPrivateKey
from kakekomi_ngo.protocol import (
    TOLERANCE_SECONDS,
    BadSignature,
    DecryptionFailed,
    MalformedRequest,
    StaleTimestamp,
    decrypt_body,
    parse_body,
    verify_headers,
)
from kakekomi_ngo.seen_ids import SEEN_IDS_NAME, SeenIds

log = logging.getLogger("kakekomi_ngo.receiver")

MAX_BODY_BYTES: Final = 1024 * 1024
READ_TIMEOUT_SECONDS: Final = 30


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP status and a short reason code (never content)."""

    status: int
    reason: str


class HandoffReceiver:
    """Turns one verified, encrypted POST into one owner-only JSON file, once per id."""

    def __init__(
        self,
        *,
        private_keys: Sequence[NgoPrivateKey],
        sender_keys: Sequence[ed25519.Ed25519PublicKey],
        out_dir: Path,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> None:
        if not private_keys or not sender_keys:
            raise ValueError("need at least one private key and one sender key")
        self._private_keys = tuple(private_keys)
        self._sender_keys = tuple(sender_keys)
        self.out_dir = ensure_private_dir(out_dir)
        if not is_private_dir(out_dir):
            log.warning("out.not_private path=%s: others may list it; use chmod 700", out_dir)
        self._tolerance = tolerance
        self._seen = SeenIds(out_dir / SEEN_IDS_NAME)
        # One handoff at a time: the check for a duplicate and the write must not interleave.
        self._lock = threading.Lock()

    def handoff_path(self, handoff_id: str) -> Path:
        """Where a handoff with this (validated) id is written."""
        return self.out_dir / f"{handoff_id}.json"

    def handle(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> Answer:
        """Process one POST; the answer is 2xx only once the handoff is on disk."""
        try:
            handoff_id = verify_headers(
                headers, body, self._sender_keys, now=now, tolerance=self._tolerance
            )
            body_id, _, _ = parse_body(body)
        except StaleTimestamp:
            return Answer(401, "stale-timestamp")
        except BadSignature:
            return Answer(401, "bad-signature")
        except MalformedRequest:
            return Answer(400, "malformed")
        if body_id != handoff_id:
            return Answer(400, "id-mismatch")
        with self._lock:
            if handoff_id in self._seen or self.handoff_path(handoff_id).exists():
                log.info("handoff.duplicate id=%s", handoff_id)
                return Answer(200, "duplicate")
            try:
                handoff = decrypt_body(body, self._private_keys)
            except DecryptionFailed:
                log.warning("handoff.undecryptable id=%s", handoff_id)
                return Answer(422, "cannot-decrypt")
            except MalformedRequest:
                return Answer(400, "malformed")
            try:
                self._store(handoff_id, handoff)
            except OSError:
                log.exception("handoff.store_failed id=%s", handoff_id)
                return Answer(500, "store-failed")
        log.info("handoff.stored id=%s", handoff_id)
        return Answer(200, "stored")

    def _store(self, handoff_id: str, handoff: dict[str, Any]) -> None:
        text = json.dumps(handoff, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.handoff_path(handoff_id), text.encode("utf-8"), PRIVATE_FILE_MODE)
        self._seen.add(handoff_id)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = READ_TIMEOUT_SECONDS
    server_version = "kakekomi-ngo/1"
    sys_version = ""

    def do_POST(self) -> None:
        if self.headers.get("transfer-encoding"):
            self._answer(Answer(411, "content-length-required"))
            return
        raw_length = self.headers.get("content-length")
        if raw_length is None or not raw_length.isdigit():
            self._answer(Answer(411, "content-length-required"))
            return
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self._answer(Answer(413, "too-large"))
            return
        content_type = self.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            self._answer(Answer(415, "json-only"))
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self._answer(Answer(400, "short-body"))
            return
        headers = {key: value for key, value in self.headers.items()}
        self._answer(self.server.receiver.handle(headers, body))

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(Answer(200, "ok"))
        else:
            self._answer(Answer(405, "post-only"))

    def _answer(self, answer: Answer) -> None:
        if answer.status >= 400:
            log.warning("request.rejected status=%d reason=%s", answer.status, answer.reason)
        payload = json.dumps({"status": answer.reason}).encode("ascii")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only: bodies and headers are never logged.
        log.info("http %s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: HandoffReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)


def make_server(host: str, port: int, receiver: HandoffReceiver) -> ThreadingHTTPServer:
    """An HTTP server for the receiver, bound but not yet serving."""
    return _Server((host, port), receiver)


def serve(host: str, port: int, receiver: HandoffReceiver) -> None:
    """Serve until SIGTERM or Ctrl-C; prints the bound address first."""
    server = make_server(host, port, receiver)
    bound_host, bound_port = server.server_address[:2]
    print(f"kakekomi-ngo: listening on http://{bound_host!s}:{bound_port}", flush=True)

    def _stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("kakekomi-ngo: stopped", file=sys.stderr, flush=True)
