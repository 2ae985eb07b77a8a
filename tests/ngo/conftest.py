"""NGO toolkit fixtures: key pairs of both kinds and a real ``serve`` receiver process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.keys import (
    NgoPrivateKey,
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["x25519", "post-quantum"])
def ngo_key(request: pytest.FixtureRequest) -> NgoPrivateKey:
    """An NGO private key of each kind."""
    return generate_ngo_key(post_quantum=request.param == "post-quantum")


@pytest.fixture
def signing_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@dataclass
class KeyFiles:
    """The NGO's key pair and our signing key, as files."""

    ngo_private: Path
    ngo_public: Path
    signing_private: Path
    signing_public: Path
    signing_key: ed25519.Ed25519PrivateKey


@pytest.fixture
def key_files(tmp_path: Path, ngo_key: NgoPrivateKey) -> KeyFiles:
    ngo_private, ngo_public = write_ngo_key_pair(tmp_path / "ngo-keys", ngo_key)
    signing_path = tmp_path / "gateway" / "signing-key.pem"
    key = load_or_create_signing_key(signing_path)
    return KeyFiles(
        ngo_private, ngo_public, signing_path, signing_public_key_path(signing_path), key
    )


@dataclass
class Receiver:
    """A running ``kakekomi-ngo serve`` process."""

    process: subprocess.Popen[str]
    url: str
    out_dir: Path

    def stop(self) -> str:
        """Stop it with SIGTERM; return what it logged."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


StartReceiver = Callable[[KeyFiles, Path], Receiver]


@pytest.fixture
def start_receiver() -> Iterator[StartReceiver]:
    """Start real receivers on 127.0.0.1 (a free port each); all are stopped afterwards."""
    started: list[Receiver] = []

    def start(keys: KeyFiles, out_dir: Path) -> Receiver:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kakekomi_ngo",
                "serve",
                "--key",
                str(keys.ngo_private),
                "--sender-key",
                str(keys.signing_public),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--out",
                str(out_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        line = process.stdout.readline() if process.stdout else ""
        if "listening on" not in line:
            process.kill()
            _, err = process.communicate()
            raise RuntimeError(f"receiver did not start: {line!r} {err}")
        receiver = Receiver(process, line.split()[-1].rstrip("/") + "/", out_dir)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
        if receiver.process.stdout:
            receiver.process.stdout.close()
