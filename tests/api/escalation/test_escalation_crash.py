"""SIGKILL the standalone delivery worker mid-delivery: after a restart each escalation is
held by the receiver exactly once and nothing is left in the outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from api.escalation.outbox import SqliteOutbox
from kakekomi_ngo import protocol

if TYPE_CHECKING:
    from tests.api.escalation.conftest import Ngo, StartReceiver, Waiter

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[3]
IDS = ("k-1", "k-2", "k-3")


class HoldingRelay:
    """Forwards each POST to the receiver; while `hold` is set, keeps the sender waiting."""

    def __init__(self, target: str) -> None:
        self.forwarded: list[str] = []
        self.answers: list[str] = []
        self.first_forwarded = threading.Event()
        self.hold = threading.Event()
        self.hold.set()
        self.release = threading.Event()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower().startswith("webhook-")
                }
                headers["content-type"] = "application/json"
                answer = httpx.post(target, content=body, headers=headers, timeout=10)
                relay.forwarded.append(headers["webhook-id"])
                relay.answers.append(answer.json()["status"])
                relay.first_forwarded.set()
                if relay.hold.is_set():
                    relay.release.wait(10)  # the worker is killed meanwhile
                try:
                    self.send_response(answer.status_code)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "api.escalation.delivery"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_sigkill_mid_delivery_then_restart_delivers_each_once(
    tmp_path: Path,
    ngo: Ngo,
    start_receiver: StartReceiver,
    wait_until: Waiter,
    workers: list[subprocess.Popen[bytes]],
) -> None:
    receiver = start_receiver(ngo)
    relay = HoldingRelay(receiver.url)
    data_dir = tmp_path / "data"
    outbox = SqliteOutbox(data_dir)
    await outbox.open()
    try:
        for handoff_id in IDS:
            body = protocol.encrypt_handoff(
                {"id": handoff_id, "words": ["x"]}, ngo.key.public_key()
            )
            await outbox.enqueue(handoff_id, body)
        env = {
            "KAKEKOMI_NGO_URL": relay.url,
            "KAKEKOMI_NGO_PUBLIC_KEY": str(ngo.public_path),
            "KAKEKOMI_DATA_DIR": str(data_dir),
            "KAKEKOMI_RETRY_SCHEDULE": "0.2,0.2,0.2,0.2",
            "KAKEKOMI_DELIVERY_TIMEOUT": "1.5",
        }
        log = tmp_path / "worker.log"
        first = start_worker(env, log)
        workers.append(first)
        assert relay.first_forwarded.wait(20), log.read_text()
        # The receiver has stored it; the worker has not heard back: kill it right there.
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert len(receiver.handoff_files()) == 1
        assert (await outbox.stats())["delivered"] == 0

        relay.hold.clear()
        relay.release.set()
        workers.append(start_worker(env, log))

        async def all_delivered() -> bool:
            stats = await outbox.stats()
            return stats["delivered"] == len(IDS) and stats["queued"] + stats["retrying"] == 0

        await wait_until(all_delivered, within=30)
        stats = await outbox.stats()
    finally:
        await outbox.close()
        relay.close()

    assert stats["dead"] == 0
    assert [f.stem for f in receiver.handoff_files()] == list(IDS)
    for path in receiver.handoff_files():
        assert json.loads(path.read_text("utf-8"))["id"] == path.stem
    # The killed attempt was sent again, and the receiver dropped it as a duplicate.
    assert relay.forwarded.count(relay.forwarded[0]) == 2
    assert relay.answers.count("duplicate") == 1
    assert relay.answers.count("stored") == len(IDS)
