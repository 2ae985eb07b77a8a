"""Escalation fixtures: NGO keys, a real receiver process, a scripted NGO, short schedules."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kakekomi_ngo.keys import (
    NgoPrivateKey,
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from tests.live_servers import Receiver, free_port, start_ngo_receiver


async def wait_for(
    check: Callable[[], Awaitable[bool]], within: float = 15.0, interval: float = 0.05
) -> None:
    """Poll an async condition until it holds; fail the test after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@dataclass
class Ngo:
    """The NGO's key pair and our signing key, as files in tmp_path."""

    key: NgoPrivateKey
    private_path: Path
    public_path: Path
    signing_path: Path
    signing_public_path: Path


Waiter = Callable[..., Awaitable[None]]


@pytest.fixture
def wait_until() -> Waiter:
    """``await wait_until(async_check, within=seconds)``."""
    return wait_for


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def ngo(tmp_path: Path) -> Ngo:
    key = generate_ngo_key()
    private_path, public_path = write_ngo_key_pair(tmp_path / "ngo-keys", key)
    data_dir = tmp_path / "data"
    signing_path = data_dir / "signing-key.pem"
    load_or_create_signing_key(signing_path)
    return Ngo(key, private_path, public_path, signing_path, signing_public_key_path(signing_path))


StartReceiver = Callable[..., Receiver]


@pytest.fixture
def start_receiver(tmp_path: Path) -> Iterator[StartReceiver]:
    """Start the real reference receiver on 127.0.0.1; every one is stopped afterwards."""
    started: list[Receiver] = []

    def start(ngo: Ngo, port: int = 0, out_dir: Path | None = None) -> Receiver:
        out = out_dir or tmp_path / "ngo-inbox"
        receiver = start_ngo_receiver(ngo.private_path, ngo.signing_public_path, out, port)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@dataclass
class Answer:
    """One scripted answer of the fake NGO."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    """One request the fake NGO got."""

    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedNgo:
    """A stdlib HTTP server on 127.0.0.1 answering from a script (then 200)."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                self._record(self.rfile.read(length))

            def do_GET(self) -> None:
                self._record(b"")

            def _record(self, body: bytes) -> None:
                with outer._lock:
                    outer.requests.append(
                        Seen(
                            time.monotonic(),
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                    answer = outer.script.pop(0) if outer.script else Answer()
                if answer.delay:
                    outer.release.wait(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is what a slow answer tests

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def expect(self, status: int, headers: dict[str, str] | None = None, delay: float = 0) -> None:
        """Queue the next answer."""
        with self._lock:
            self.script.append(Answer(status, headers or {}, delay))

    def posts(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def scripted_ngo() -> Iterator[ScriptedNgo]:
    ngo = ScriptedNgo()
    yield ngo
    ngo.close()
