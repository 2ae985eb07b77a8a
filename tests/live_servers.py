"""Real servers on 127.0.0.1 for tests that need sockets: a scripted fake Rasa, the gateway,
the NGO's reference receiver (``kakekomi-ngo serve``).

The gateway runs as it does in production, a uvicorn subprocess (``api.main:create_app``);
only Rasa and the action server are faked, by a small HTTP server in the test process
whose answers each test scripts. The real-Rasa conversations live in ``tests/e2e``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kakekomi_stack.processes import free_port

ROOT = Path(__file__).resolve().parents[1]

# Test numbers (the real ones live in bot/directory.yml), named in all five languages.
DIRECTORY_YAML = """\
entries:
- id: police
  kind: emergency
  name: {en: Police, ja: 警察, th: ตำรวจ, tl: Pulis, es: Policía, vi: Cảnh sát}
  phone: "110"
  partner_confirmed: true
  source: https://www.npa.go.jp/
  verified: 2025-01-01
- id: ambulance
  kind: emergency
  name: {en: Ambulance, ja: 救急車, th: รถพยาบาล, tl: Ambulansya, es: Ambulancia, vi: Xe cấp cứu}
  phone: "119"
  partner_confirmed: true
  source: https://www.fdma.go.jp/
  verified: 2025-01-01
"""

Reply = Callable[[dict[str, Any]], tuple[int, Any]]


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet HTTP handler answering JSON, as Rasa's server does: kept alive, headers and
    body in one write (two small writes on a kept-alive socket would wait out delayed ACKs).
    """

    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def send_json(self, status: int, data: bytes) -> None:
        """One answer; a client that has gone away (a hung-Rasa test) is not an error."""
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_in_background(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threaded server on a free 127.0.0.1 port, serving until shutdown()."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def echo(body: dict[str, Any]) -> tuple[int, Any]:
    """Answer like Rasa's REST channel: one text reply."""
    return 200, [{"recipient_id": body["sender"], "text": f"echo {body['message']}"}]


@dataclass
class FakeRasa:
    """Rasa's REST webhook and the action server's /health, on one 127.0.0.1 port.

    ``reply`` scripts the webhook's answer; ``received`` holds what the gateway sent.
    A reply may block on ``released`` to play a hung Rasa; ``health_seconds`` delays every
    GET (health) answer, as a busy Rasa answers its probes late; ``probed`` holds their paths.
    """

    reply: Reply = echo
    health_seconds: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    probed: list[str] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeRasa:
        """Serve in a background thread until stop()."""
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                fake.probed.append(self.path)
                time.sleep(fake.health_seconds)
                self.send_json(200, b'{"status": "ok"}')

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.received.append(body)
                status, payload = fake.reply(body)
                self.send_json(status, json.dumps(payload).encode())

        self._server = serve_in_background(Handler)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        """Release any hung reply and stop serving."""
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reset(self, reply: Reply = echo) -> None:
        """Forget what was received and script a new answer."""
        self.reply = reply
        self.received.clear()
        self.released.clear()


@dataclass
class Gateway:
    """The gateway as a uvicorn subprocess on 127.0.0.1, its output in a file."""

    port: int
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the gateway process wrote (uvicorn's and our log lines)."""
        return self.output.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop within ten seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_gateway(folder: Path, rasa_port: int, **settings: str | int | float) -> Gateway:
    """Start ``uvicorn api.main:create_app`` with ``KAKEKOMI_*`` from ``settings``; wait for it."""
    folder.mkdir(parents=True, exist_ok=True)
    directory = folder / "directory.yml"
    directory.write_text(DIRECTORY_YAML, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEKOMI_")}
    values: dict[str, str | int | float] = {
        "directory_path": str(directory),
        "data_dir": str(folder / "var"),
        "rasa_port": rasa_port,
        "actions_port": rasa_port,
        **settings,
    }
    env |= {f"KAKEKOMI_{name.upper()}": str(value) for name, value in values.items()}
    port = free_port()
    output = folder / f"gateway-{port}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--no-server-header",
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    gateway = Gateway(port=port, process=process, output=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode}:\n{gateway.log()}")
        try:
            if httpx.get(f"{gateway.url}/healthz", timeout=1, trust_env=False).status_code == 200:
                return gateway
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    gateway.stop()
    raise RuntimeError(f"the gateway did not answer within 30 s:\n{gateway.log()}")


@dataclass
class Receiver:
    """A running ``kakekomi-ngo serve`` process: the NGO's reference receiver."""

    process: subprocess.Popen[str]
    url: str
    out_dir: Path

    def stop(self) -> str:
        """SIGTERM it (SIGKILL after ten seconds); return what it logged."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err

    def handoff_files(self) -> list[Path]:
        """The handoffs it has decrypted and written, oldest name first."""
        return sorted(self.out_dir.glob("*.json")) if self.out_dir.exists() else []


def start_ngo_receiver(
    private_key: Path, sender_key: Path, out_dir: Path, port: int = 0, *options: str
) -> Receiver:
    """Start ``kakekomi-ngo serve`` on 127.0.0.1 (port 0: a free one); wait until it listens.

    ``options`` are further ``serve`` flags (``--max-connections 4``).
    """
    command = [
        sys.executable,
        "-m",
        "kakekomi_ngo",
        "serve",
        "--key",
        str(private_key),
        "--sender-key",
        str(sender_key),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--out",
        str(out_dir),
        *options,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline() if process.stdout else ""
    if "listening on" not in line:
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"receiver did not start: {line!r} {err}")
    return Receiver(process, line.split()[-1].rstrip("/") + "/", out_dir)
