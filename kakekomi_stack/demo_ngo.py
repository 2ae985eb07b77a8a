"""The demo NGO of `make run`: with no NGO configured, in development only, a local one.

It has its own keys in ``<data dir>/demo-ngo/keys`` (made once), runs the reference receiver
(``kakekomi-ngo serve``) and the inbox on 127.0.0.1, and the gateway is pointed at it, so a
newcomer sees a request for help arrive, answers it and reads the answer with the code.
Production never falls back to it: there, no NGO means no handoff offered.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.folder import NgoFolder
from kakekomi_ngo.keys import (
    PRIVATE_KEY_NAME,
    PUBLIC_KEY_NAME,
    generate_ngo_key,
    load_or_create_signing_key,
    ngo_signing_key_paths,
    signing_public_key_path,
    write_ngo_keys,
)

DEMO_DIR: Final = "demo-ngo"


@dataclass(frozen=True)
class DemoNgo:
    """Where the demo NGO keeps its keys and folder, and the ports it listens on."""

    root: Path
    serve_port: int
    inbox_port: int
    # The gateway's own signing key (its .pub is what serve pins) and where the gateway is.
    gateway_signing_key: Path
    gateway_url: str

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def folder(self) -> Path:
        """What serve writes and the inbox shows."""
        return self.root / "inbox"

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.serve_port}/"

    def inbox_url(self) -> str:
        """The address the caseworker opens (its secret part is kept in the folder)."""
        return f"http://127.0.0.1:{self.inbox_port}/{NgoFolder(self.folder).inbox_token()}/"

    def prepare(self) -> None:
        """Makes the demo keys once, and the gateway's signing key that serve pins."""
        if not (self.keys / PRIVATE_KEY_NAME).exists():
            write_ngo_keys(self.keys, generate_ngo_key(), ed25519.Ed25519PrivateKey.generate())
        load_or_create_signing_key(self.gateway_signing_key)
        NgoFolder(self.folder).inbox_token()

    def gateway_env(self) -> dict[str, str]:
        """What the gateway is told: where to send handoffs, and whose replies to accept."""
        return {
            "KAKEKOMI_NGO_URL": self.receiver_url,
            "KAKEKOMI_NGO_PUBLIC_KEY": str(self.keys / PUBLIC_KEY_NAME),
            "KAKEKOMI_NGO_SIGNING_PUBLIC_KEY": str(ngo_signing_key_paths(self.keys)[1]),
        }

    def serve_command(self) -> list[str]:
        """`kakekomi-ngo serve` on 127.0.0.1, pinning the gateway's signing key."""
        return [sys.executable, "-m", "kakekomi_ngo", "serve",
                "--key", str(self.keys / PRIVATE_KEY_NAME),
                "--sender-key", str(signing_public_key_path(self.gateway_signing_key)),
                "--host", "127.0.0.1", "--port", str(self.serve_port),
                "--out", str(self.folder)]  # fmt: skip

    def inbox_command(self) -> list[str]:
        """`kakekomi-ngo inbox` on 127.0.0.1, replying through the local gateway."""
        return [sys.executable, "-m", "kakekomi_ngo", "inbox", "--folder", str(self.folder),
                "--gateway", self.gateway_url,
                "--signing-key", str(ngo_signing_key_paths(self.keys)[0]),
                "--host", "127.0.0.1", "--port", str(self.inbox_port)]  # fmt: skip


def wanted(environment: str, ngo_url: str | None) -> bool:
    """Only in development, and only when no real NGO is configured."""
    return environment == "development" and ngo_url is None
