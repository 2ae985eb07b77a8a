"""The ``KAKEKOMI_*`` variables read by more than one process, and their defaults.

The gateway reads them through its pydantic `Settings` (same names, same defaults); the
stack, the actions, the CLI and Rasa's components read them here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

PREFIX: Final = "KAKEKOMI_"

# Runtime state (the live-model pointer, stack.pid, the SQLite outbox, the signing key).
DATA_DIR: Final = "KAKEKOMI_DATA_DIR"
DEFAULT_DATA_DIR: Final = "var"
# The gateway: the only public process.
HOST: Final = "KAKEKOMI_HOST"
DEFAULT_HOST: Final = "127.0.0.1"
PORT: Final = "KAKEKOMI_PORT"
DEFAULT_PORT: Final = 8000
# Rasa and its action server: loopback only.
RASA_HOST: Final = "KAKEKOMI_RASA_HOST"
DEFAULT_RASA_HOST: Final = "127.0.0.1"
RASA_PORT: Final = "KAKEKOMI_RASA_PORT"
DEFAULT_RASA_PORT: Final = 5005
ACTIONS_PORT: Final = "KAKEKOMI_ACTIONS_PORT"
DEFAULT_ACTIONS_PORT: Final = 5055
# A conversation is forgotten after this long without messages: the gateway reads minutes,
# Rasa's endpoints.yml reads the same time in seconds (the stack passes both).
SESSION_IDLE_MINUTES: Final = "KAKEKOMI_SESSION_IDLE_MINUTES"
DEFAULT_SESSION_IDLE_MINUTES: Final = 30.0
SESSION_IDLE_SECONDS: Final = "KAKEKOMI_SESSION_IDLE_SECONDS"
# Set: sessions, rate limits and conversations live in this Redis (scale-out).
REDIS_URL: Final = "KAKEKOMI_REDIS_URL"
# The conversation store's Unix socket (bot/endpoints.yml), under the data dir by default.
CONVERSATION_SOCKET: Final = "KAKEKOMI_CONVERSATION_SOCKET"
# The stack's per-run token that lets it move the gateway to a new Rasa.
CONTROL_TOKEN: Final = "KAKEKOMI_CONTROL_TOKEN"  # noqa: S105 - a name, not a token
# bot/directory.yml, overridable for tests.
DIRECTORY: Final = "KAKEKOMI_DIRECTORY"
RATE_LIMIT: Final = "KAKEKOMI_RATE_LIMIT"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where runtime state lives: KAKEKOMI_DATA_DIR, else ./var, as an absolute path."""
    values = os.environ if environ is None else environ
    return Path(values.get(DATA_DIR, DEFAULT_DATA_DIR)).resolve()


def session_idle_seconds(minutes: float) -> int:
    """The idle time as Rasa's endpoints read it (whole seconds)."""
    return int(minutes * 60)


def conversation_socket(data_dir: Path) -> Path:
    """The conversation store's socket, in a directory only this user may open."""
    return data_dir / "run" / "conversations.sock"


def pid_file(data_dir: Path) -> Path:
    """Where the running stack writes its pid (`promote` sends it SIGHUP)."""
    return data_dir / "stack.pid"
