"""The reference receiver: verify, drop duplicates, decrypt, store durably, then answer 2xx."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections import Counter
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
# One thread per connection, at most this many. When all are taken, the connection that has
# been sending its request longest is cut off to make room: Kakekomi sends a whole request in
# milliseconds, a slowloris never finishes. Only when none is still sending is it 503.
MAX_CONNECTIONS: Final = 64
# A request (headers and body) must arrive within this; a sender that trickles is cut off.
REQUEST_SECONDS: Final = 15.0
# How often the watchdog looks for connections past their deadline.
WATCH_SECONDS: Final = 0.5
# How long a new connection waits for the place of the one cut off for it.
EVICT_WAIT_SECONDS: Final = 1.0
# Connections cut off or turned away are logged as counts once per this many seconds.
BUSY_LOG_SECONDS: Final = 10.0
BUSY_ANSWER: Final = (
    b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 60\r\nContent-Type: application/json\r\n"
    b'Content-Length: 18\r\nConnection: close\r\n\r\n{"status": "busy"}'
)


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
    timeout = REQUEST_SECONDS
    server_version = "kakekomi-ngo/1"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Each read waits at most the whole request's allowance (the watchdog enforces the sum).
        self.connection.settimeout(self.server.request_seconds)

    def do_POST(self) -> None:
        if self.headers.get("transfer-encoding"):
            self._answer(Answer(411, "content-length-required"))
            return
        raw_length = self.headers.get("content-length")
        if raw_length is None:
            self._answer(Answer(411, "content-length-required"))
            return
        # ASCII only: str.isdigit() accepts digits int() refuses ("²") or reads ("١").
        if not (raw_length.isascii() and raw_length.isdigit()):
            self._answer(Answer(400, "bad-content-length"))
            return
        # Compared as text first: int() refuses more than 4,300 digits.
        if len(raw_length) > len(str(MAX_BODY_BYTES)) or int(raw_length) > MAX_BODY_BYTES:
            self._answer(Answer(413, "too-large"))
            return
        length = int(raw_length)
        content_type = self.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            self._answer(Answer(415, "json-only"))
            return
        body = self.rfile.read(length)
        self.server.finished_reading(self.connection)
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
    """A thread per connection, at most ``max_connections``, each with a deadline to send."""

    daemon_threads = True
    # Connections the kernel holds for us while the accept loop is busy turning others away.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        receiver: HandoffReceiver,
        max_connections: int,
        request_seconds: float,
    ) -> None:
        self.receiver = receiver
        self._slots = threading.BoundedSemaphore(max_connections)
        self.request_seconds = request_seconds
        # Connections still reading their request, with the monotonic time they must be done.
        self._deadlines: dict[socket.socket, float] = {}
        self._deadlines_lock = threading.Lock()
        self._closed = threading.Event()
        # Counts logged once per BUSY_LOG_SECONDS; only the accepting thread touches them.
        self._pressure: Counter[str] = Counter()
        self._pressure_logged_at = -BUSY_LOG_SECONDS
        super().__init__(address, _Handler)
        threading.Thread(target=self._cut_off_late_senders, daemon=True).start()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            made_room = self._cut_off_slowest()
            if not (made_room and self._slots.acquire(timeout=EVICT_WAIT_SECONDS)):
                self._refuse(request)
                return
        with self._deadlines_lock:
            self._deadlines[request] = time.monotonic() + self.request_seconds
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def finished_reading(self, request: socket.socket) -> None:
        """The request has arrived: decrypting and storing it is not cut off."""
        with self._deadlines_lock:
            self._deadlines.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, not a traceback to stderr; the type only (a message could quote input).
        log.warning("request.failed error=%s", type(sys.exc_info()[1]).__name__)

    def server_close(self) -> None:
        self._closed.set()
        super().server_close()

    def _under_pressure(self, what: str) -> None:
        self._pressure[what] += 1
        now = time.monotonic()
        if now - self._pressure_logged_at >= BUSY_LOG_SECONDS:
            counts = " ".join(f"{name}={count}" for name, count in sorted(self._pressure.items()))
            log.warning("connections.full %s", counts)
            self._pressure.clear()
            self._pressure_logged_at = now

    def _cut_off_slowest(self) -> bool:
        """Cut off the connection that has been sending its request longest, if any."""
        with self._deadlines_lock:
            if not self._deadlines:
                return False
            slowest = min(self._deadlines, key=self._deadlines.__getitem__)
            del self._deadlines[slowest]
        self._under_pressure("cut-off")
        with contextlib.suppress(OSError):
            slowest.shutdown(socket.SHUT_RDWR)
        return True

    def _refuse(self, request: socket.socket) -> None:
        self._under_pressure("refused")
        try:
            request.settimeout(1)
            request.sendall(BUSY_ANSWER)
        except OSError:
            pass
        self.shutdown_request(request)

    def _release(self, request: socket.socket) -> None:
        self.finished_reading(request)
        self._slots.release()

    def _cut_off_late_senders(self) -> None:
        while not self._closed.wait(WATCH_SECONDS):
            now = time.monotonic()
            with self._deadlines_lock:
                late = [sock for sock, deadline in self._deadlines.items() if deadline < now]
                for sock in late:
                    del self._deadlines[sock]
            for sock in late:
                log.warning("request.rejected reason=too-slow")
                # The handler's blocked read then sees the end of the stream and returns.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def make_server(
    host: str,
    port: int,
    receiver: HandoffReceiver,
    *,
    max_connections: int = MAX_CONNECTIONS,
    request_seconds: float = REQUEST_SECONDS,
) -> ThreadingHTTPServer:
    """An HTTP server for the receiver, bound but not yet serving."""
    return _Server((host, port), receiver, max_connections, request_seconds)


def serve(
    host: str,
    port: int,
    receiver: HandoffReceiver,
    *,
    max_connections: int = MAX_CONNECTIONS,
    request_seconds: float = REQUEST_SECONDS,
) -> None:
    """Serve until SIGTERM or Ctrl-C; prints the bound address first."""
    server = make_server(
        host,
        port,
        receiver,
        max_connections=max_connections,
        request_seconds=request_seconds,
    )
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
