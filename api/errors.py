"""Error answers that never echo what the person typed and never become a 500."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from api.middleware.fallback_on_error import fallback_response

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


async def sessions_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """The shared session store (Redis) is out of reach: a 503 with the emergency numbers."""
    logger.warning("sessions.unavailable error=%s", exc)
    return fallback_response(request.scope)
