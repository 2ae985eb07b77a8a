"""Request bodies are capped while they stream in: 413 past the cap, 408 if they stall."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import anyio
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A chat message is at most 2,000 characters: 16 KiB holds it in any JSON encoding a
# browser produces, and is nothing to buffer.
MAX_BODY_BYTES: Final = 16 * 1024


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


class BodyLimit:
    """Read the whole body before the app runs, refusing it once it passes ``max_bytes``.

    The count covers what actually arrives, so a chunked body or a false Content-Length
    is held to the same cap; a body that stops arriving is cut off after ``timeout``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        timeout: float,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        # Exact paths allowed a larger body (an NGO's reply: 64 KiB).
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer and check the body, then hand the app a receive that replays it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > max_bytes:
            await _too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away: nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > max_bytes:
                        await _too_large(scope, receive, send)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            response = JSONResponse({"detail": "request body timed out"}, status_code=408)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(b"".join(chunks), receive), send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": "request body too large"}, status_code=413)
    await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()  # later calls wait for the disconnect, as usual
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
