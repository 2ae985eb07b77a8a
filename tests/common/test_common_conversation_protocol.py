"""The conversation store's protocol, spoken to the real store process over its socket."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kakekomi_common import conversation_protocol as protocol
from kakekomi_common.conversation_protocol import ConversationStoreUnavailable

ROOT = Path(__file__).resolve().parents[2]
BOT_PYTHON = ROOT / "bot" / ".venv" / "bin" / "python"
SECRET_KEY = "session-3f9a"


@pytest.fixture
def store() -> Iterator[Path]:
    """A running `python -m kakekomi_bot.conversation_store` (Rasa's environment)."""
    # A short directory: Unix socket paths stop at 107 characters.
    with tempfile.TemporaryDirectory(prefix="kk-", dir="/tmp") as folder:
        socket_path = Path(folder) / "run" / "conversations.sock"
        process = subprocess.Popen(
            [str(BOT_PYTHON), "-m", "kakekomi_bot.conversation_store", "--socket", socket_path],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == b"listening\n"
            yield socket_path
        finally:
            process.terminate()
            process.wait(10)
            if process.stdout:
                process.stdout.close()


def test_blocking_client_puts_gets_lists_and_deletes(store: Path) -> None:
    assert protocol.ask_blocking(store, protocol.put(SECRET_KEY, "{}", 60)) == {"ok": True}
    assert protocol.ask_blocking(store, protocol.get(SECRET_KEY)) == {"value": "{}"}
    assert protocol.ask_blocking(store, protocol.keys()) == {"keys": [SECRET_KEY]}
    assert protocol.ask_blocking(store, protocol.delete(SECRET_KEY)) == {"ok": True}
    assert protocol.ask_blocking(store, protocol.get(SECRET_KEY)) == {"value": None}


def test_asyncio_client_sees_what_the_blocking_one_wrote(store: Path) -> None:
    protocol.ask_blocking(store, protocol.put(SECRET_KEY, "tracker", 60))
    answer = asyncio.run(protocol.ask(store, protocol.get(SECRET_KEY)))
    assert answer == {"value": "tracker"}


def test_a_bad_request_is_refused_without_naming_the_key(store: Path) -> None:
    with pytest.raises(ConversationStoreUnavailable) as caught:
        protocol.ask_blocking(store, {"op": "rename", "key": SECRET_KEY})
    assert "refused" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


def test_no_store_means_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ConversationStoreUnavailable, match="cannot connect"):
        protocol.ask_blocking(tmp_path / "none.sock", protocol.keys())
    with pytest.raises(ConversationStoreUnavailable, match="cannot connect"):
        asyncio.run(protocol.ask(tmp_path / "none.sock", protocol.keys()))


def test_decoding() -> None:
    assert protocol.decode_request(protocol.encode(protocol.keys())) == {"op": "keys"}
    for bad in (b"[]", b'"keys"', b"not json"):
        with pytest.raises(ValueError):
            protocol.decode_request(bad)
    for bad in (b"", b"[1]", b'{"error": "bad request"}'):
        with pytest.raises(ConversationStoreUnavailable):
            protocol.decode_answer(bad)
