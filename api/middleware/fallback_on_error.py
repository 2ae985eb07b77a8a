"""Our innermost middleware: an unhandled exception becomes the emergency numbers, not a 500."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.fallback import fallback_body
from api.sessions import new_session_id

logger = logging.getLogger("kakekomi.errors")


class FallbackOnError:
    """Last line of defence: any unhandled exception becomes a 503 with the emergency numbers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; if it raises before answering, answer with the fallback."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            # The type only: an exception's message may quote what the person typed.
            logger.error("app.unhandled_error type=%s", type(exc).__name__)
            if not started:
                await fallback_response(scope)(scope, receive, send)


def fallback_response(scope: Scope) -> JSONResponse:
    """A 503 with the emergency numbers, in the session and language the chat route noted."""
    request_state = scope.get("state") or {}
    # Outside a chat, or before the chat route knows her id: a fresh id, which no store holds.
    session_id = request_state.get("chat_session") or new_session_id()
    language = request_state.get("chat_language", "en")
    contacts = getattr(getattr(scope.get("app"), "state", None), "contacts", ())
    return JSONResponse(status_code=503, content=fallback_body(session_id, language, contacts))
