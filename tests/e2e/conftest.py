"""Starts the real stack (action server, Rasa on a trained model, gateway) once per session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live_servers import Receiver, free_port, start_ngo_receiver

ROOT = Path(__file__).resolve().parents[2]
BOT_CLI = [str(ROOT / "bot" / ".venv" / "bin" / "python"), "-m", "kakekomi_bot.maintain"]
CONFIG = ROOT / "bot" / "config.yml"


def trained_model() -> Path:
    """The model for the current data: from `make`, else trained now (cached by hash)."""
    if os.environ.get("KAKEKOMI_TEST_MODEL"):
        return Path(os.environ["KAKEKOMI_TEST_MODEL"])
    subprocess.run([*BOT_CLI, "train", "--config", str(CONFIG)], check=True, cwd=ROOT)
    path = subprocess.run(
        [*BOT_CLI, "model-path", "--config", str(CONFIG)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return Path(path.stdout.strip())


@dataclass
class NgoReceiver:
    """The NGO's side: its key pair, our pinned signing key, and its `serve` process."""

    private_key: Path
    public_key: Path
    signing_key: Path
    signing_public_key: Path
    # The NGO's own Ed25519 pair: it signs replies to a reply code; the gateway pins the public.
    ngo_signing_key: Path
    ngo_signing_public_key: Path
    port: int
    inbox: Path
    running: Receiver | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Runs the reference receiver (`kakekomi-ngo serve`) on its port until stop()."""
        self.running = start_ngo_receiver(
            self.private_key, self.signing_public_key, self.inbox, self.port
        )

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
        self.running = None

    def handoffs(self) -> list[Path]:
        return sorted(self.inbox.glob("*.json")) if self.inbox.exists() else []


@pytest.fixture(scope="session")
def ngo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NgoReceiver]:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from kakekomi_ngo.keys import (
        generate_ngo_key,
        load_or_create_signing_key,
        signing_public_key_path,
        write_ngo_keys,
    )

    workdir = tmp_path_factory.mktemp("ngo")
    private_key, public_key, ngo_signing, ngo_signing_public = write_ngo_keys(
        workdir / "keys", generate_ngo_key(), ed25519.Ed25519PrivateKey.generate()
    )
    signing_key = workdir / "our-signing-key.pem"
    load_or_create_signing_key(signing_key)
    receiver = NgoReceiver(
        private_key,
        public_key,
        signing_key,
        signing_public_key_path(signing_key),
        ngo_signing,
        ngo_signing_public,
        free_port(),
        workdir / "inbox",
    )
    receiver.start()
    yield receiver
    receiver.stop()


@dataclass
class RunningStack:
    """The running stack as a test sees it: where it answers and what it printed."""

    url: str
    log: Path
    data_dir: Path
    process: subprocess.Popen[bytes]

    def chat(
        self, text: str, session: str | None = None, language: str | None = None
    ) -> httpx.Response:
        """One message through the public chat API."""
        body = {"session": session, "text": text, "language": language}
        return httpx.post(f"{self.url}api/chat", json=body, timeout=30)

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would; the stack must stop cleanly."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=60) == 0, self.log.read_text(errors="replace")[-3000:]


def start_stack(workdir: Path, model: Path, ngo: NgoReceiver) -> RunningStack:
    """`python -m kakekomi_stack` on `model` with its own ports and data dir, once it is ready."""
    log = workdir / "stack.log"
    port = free_port()
    env = {
        **os.environ,
        "KAKEKOMI_HOST": "127.0.0.1",
        "KAKEKOMI_PORT": str(port),
        "KAKEKOMI_RASA_PORT": str(free_port()),
        "KAKEKOMI_ACTIONS_PORT": str(free_port()),
        "KAKEKOMI_DATA_DIR": str(workdir / "var"),
        "KAKEKOMI_NGO_URL": ngo.url,
        "KAKEKOMI_NGO_PUBLIC_KEY": str(ngo.public_key),
        "KAKEKOMI_SIGNING_KEY": str(ngo.signing_key),
        "KAKEKOMI_NGO_SIGNING_PUBLIC_KEY": str(ngo.ngo_signing_public_key),
        # Short retries, so that a receiver started later gets its handoff within the test.
        "KAKEKOMI_RETRY_SCHEDULE": "1,1,1,2,2,2,3,3,3,3,5,5,5,5,5,5,5,5,5,5",
        # Every test talks from 127.0.0.1: one client, far more than 30 messages a minute.
        "KAKEKOMI_RATE_LIMIT": "100000",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kakekomi_stack", "--model", str(model)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = RunningStack(f"http://127.0.0.1:{port}/", log, workdir / "var", process)
    deadline = time.monotonic() + 330
    while "Kakekomi is ready" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the stack did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(1)
    return running


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, ngo: NgoReceiver) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("stack"), trained_model(), ngo)
    yield running
    running.stop()
