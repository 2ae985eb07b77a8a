"""Error answers that never echo what the person typed and never become a 500."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.fallback import fallback_body
from api.sessions import new_session_id

logger = logging.getLogger("kakekomi.errors")

# Fields of a pydantic error that may carry the submitted value.
_UNSAFE_ERROR_KEYS = frozenset({"input", "ctx", "url"})


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Answer 422 like FastAPI does, minus the submitted values."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {key: value for key, value in error.items() if key not in _UNSAFE_ERROR_KEYS}
        for error in errors
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


async def body_error_handler(request: Request, exc: Exception) -> Response:
    """A body FastAPI could not parse (bad UTF-8, nesting, huge numbers) is a 422, like bad JSON.

    FastAPI answers those with a bare 400 that chains the parser's error; nothing of ours
    raises a 400, so any other HTTP error keeps FastAPI's own answer.
    """
    if not isinstance(exc, HTTPException):
        raise exc  # registered for HTTPException only
    if exc.status_code == 400 and exc.__cause__ is not None:
        detail = [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}]
        return JSONResponse(status_code=422, content={"detail": detail})
    return await http_exception_handler(request, exc)


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
                await _fallback_response(scope)(scope, receive, send)


async def sessions_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """The shared session store (Redis) is out of reach: a 503 with the emergency numbers."""
    logger.warning("sessions.unavailable error=%s", exc)
    return _fallback_response(request.scope)


def _fallback_response(scope: Scope) -> JSONResponse:
    request_state = scope.get("state") or {}
    # Outside a chat, or before the chat route knows her id: a fresh id, which no store holds.
    session_id = request_state.get("chat_session") or new_session_id()
    language = request_state.get("chat_language", "en")
    contacts = getattr(getattr(scope.get("app"), "state", None), "contacts", ())
    return JSONResponse(status_code=503, content=fallback_body(session_id, language, contacts))
