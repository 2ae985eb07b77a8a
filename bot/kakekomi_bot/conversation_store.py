"""Conversations shared by Rasa processes, kept in the memory of one small process.

    python -m kakekomi_bot.conversation_store --socket var/run/conversations.sock

Two Rasa processes run side by side while a new model is swapped in; both read and write
the conversations here, so a conversation keeps its place. Nothing is written to disk: the
store listens on a Unix socket in a directory only this user may open (0700) and forgets a
conversation once it has been idle for the time its last writer asked for.

One request per connection: a JSON object, then end of file; one JSON answer, then end of
file. ``put`` (key, value, ttl), ``get`` (key), ``delete`` (key), ``keys``; the protocol and
its clients live in kakekomi_common.conversation_protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kakekomi_common import conversation_protocol as protocol
from kakekomi_common.conversation_protocol import (
    MAX_SOCKET_PATH,
    ConversationStoreUnavailable,
    ask,
)

__all__ = ["ConversationStoreUnavailable", "Conversations", "ask", "main", "serve"]

SWEEP_SECONDS = 60.0


class Conversations:
    """Serialized trackers by conversation id, each forgotten after its idle time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Starts empty; `clock` lets tests move time."""
        self._clock = clock
        self._items: dict[str, tuple[str, float]] = {}

    def put(self, key: str, value: str, ttl: float) -> None:
        """Stores `value`; it is forgotten `ttl` seconds from now unless written again."""
        self._items[key] = (value, self._clock() + ttl)

    def get(self, key: str) -> str | None:
        """The value of a conversation that has not expired, else None."""
        self.forget_expired()
        item = self._items.get(key)
        return None if item is None else item[0]

    def delete(self, key: str) -> None:
        """Forgets a conversation at once."""
        self._items.pop(key, None)

    def keys(self) -> list[str]:
        """The ids of the conversations that have not expired."""
        self.forget_expired()
        return list(self._items)

    def forget_expired(self) -> int:
        """Deletes every expired conversation; returns how many."""
        now = self._clock()
        expired = [key for key, (_, until) in self._items.items() if until <= now]
        for key in expired:
            del self._items[key]
        return len(expired)

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """Carries out one request of the socket protocol."""
        op = request["op"]
        if op == "put":
            self.put(str(request["key"]), str(request["value"]), float(request["ttl"]))
            return {"ok": True}
        if op == "get":
            return {"value": self.get(str(request["key"]))}
        if op == "delete":
            self.delete(str(request["key"]))
            return {"ok": True}
        if op == "keys":
            return {"keys": self.keys()}
        raise ValueError("unknown op")


def _in_use(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def prepare_socket(path: Path) -> None:
    """Makes the socket's directory private (0700) and clears a socket left by a dead store."""
    if len(str(path)) > MAX_SOCKET_PATH:
        raise SystemExit(f"socket path too long for Unix sockets: {path}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    if path.exists() or path.is_symlink():
        if _in_use(path):
            raise SystemExit(f"another conversation store is listening on {path}")
        path.unlink()


async def serve(
    path: Path, conversations: Conversations, ready: Callable[[], None] = lambda: None
) -> None:
    """Answers requests on `path` until SIGTERM or SIGINT, sweeping expired conversations."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            answer = conversations.answer(protocol.decode_request(await reader.read()))
        except (ValueError, KeyError, TypeError):
            answer = protocol.BAD_REQUEST
        except OSError:
            writer.close()
            return
        with contextlib.suppress(OSError):
            writer.write(protocol.encode(answer))
            await writer.drain()
        writer.close()

    prepare_socket(path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await asyncio.start_unix_server(handle, path=str(path))
    os.chmod(path, 0o600)
    ready()
    try:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)
            conversations.forget_expired()
    finally:
        server.close()
        await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m kakekomi_bot.conversation_store --socket PATH`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", type=Path, required=True, help="the Unix socket to create")
    args = parser.parse_args(argv)
    path = args.socket.absolute()
    os.umask(0o077)
    asyncio.run(serve(path, Conversations(), ready=lambda: print("listening", flush=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
