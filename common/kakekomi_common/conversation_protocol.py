"""The conversation store's wire protocol, spoken over a Unix socket.

One request per connection: a JSON object, then end of file; one JSON object back, then end
of file. Requests: ``put`` (key, value, ttl in seconds), ``get`` (key), ``delete`` (key),
``keys``. Answers: ``{"ok": true}``, ``{"value": ... or null}``, ``{"keys": [...]}``, or
``{"error": "bad request"}``. The store itself is kakekomi_bot.conversation_store; Rasa's
tracker store (asyncio) and the stack (blocking) are its clients.

Exceptions: ConversationStoreUnavailable (no connection, no valid answer, or refused); its
message never names a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any, Final

# Linux refuses Unix socket paths longer than this.
MAX_SOCKET_PATH: Final = 107
BAD_REQUEST: Final[dict[str, Any]] = {"error": "bad request"}


class ConversationStoreUnavailable(Exception):
    """The store did not answer; the message never names a conversation."""


def put(key: str, value: str, ttl: float) -> dict[str, Any]:
    """The request that stores `value` under `key` for `ttl` seconds."""
    return {"op": "put", "key": key, "value": value, "ttl": ttl}


def get(key: str) -> dict[str, Any]:
    """The request that reads `key` (answer: ``value``, None when absent or expired)."""
    return {"op": "get", "key": key}


def delete(key: str) -> dict[str, Any]:
    """The request that forgets `key` at once."""
    return {"op": "delete", "key": key}


def keys() -> dict[str, Any]:
    """The request that lists the keys that have not expired."""
    return {"op": "keys"}


def encode(message: dict[str, Any]) -> bytes:
    """One request or answer as it goes on the wire."""
    return json.dumps(message).encode()


def decode_request(data: bytes) -> dict[str, Any]:
    """A request read from the wire; ValueError when it is not a JSON object."""
    request = json.loads(data)
    if not isinstance(request, dict):
        raise ValueError("request is not an object")
    return request


def decode_answer(data: bytes) -> dict[str, Any]:
    """An answer read from the wire; ConversationStoreUnavailable unless it is a success."""
    try:
        answer = json.loads(data)
    except ValueError:
        raise ConversationStoreUnavailable("conversation store: no valid answer") from None
    if not isinstance(answer, dict) or "error" in answer:
        raise ConversationStoreUnavailable("conversation store: request refused")
    return answer


async def ask(path: str | Path, request: dict[str, Any]) -> dict[str, Any]:
    """Sends one request to the store at `path` and returns its answer (asyncio)."""
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except OSError:
        raise ConversationStoreUnavailable("conversation store: cannot connect") from None
    try:
        writer.write(encode(request))
        writer.write_eof()
        data = await reader.read()
    except OSError:
        raise ConversationStoreUnavailable("conversation store: no valid answer") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return decode_answer(data)


def ask_blocking(path: str | Path, request: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
    """Sends one request and returns the answer, without an event loop (the stack's side)."""
    chunks = []
    try:
        with socket.socket(socket.AF_UNIX) as store:
            store.settimeout(timeout)
            store.connect(str(path))
            store.sendall(encode(request))
            store.shutdown(socket.SHUT_WR)
            while chunk := store.recv(65536):
                chunks.append(chunk)
    except OSError:
        raise ConversationStoreUnavailable("conversation store: cannot connect") from None
    return decode_answer(b"".join(chunks))
