"""NGO toolkit fixtures: key pairs of both kinds and a real ``serve`` receiver process."""

from __future__ import annotations

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
from tests.live_servers import Receiver, start_ngo_receiver


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


# (keys, out_dir, *serve flags)
StartReceiver = Callable[..., Receiver]


@pytest.fixture
def start_receiver() -> Iterator[StartReceiver]:
    """Start real receivers on 127.0.0.1 (a free port each); all are stopped afterwards."""
    started: list[Receiver] = []

    def start(keys: KeyFiles, out_dir: Path, *options: str) -> Receiver:
        receiver = start_ngo_receiver(keys.ngo_private, keys.signing_public, out_dir, 0, *options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
