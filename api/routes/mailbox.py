"""Her mailbox: ``POST /api/mailbox`` (read), ``/api/mailbox/reply``, ``/api/mailbox/forget``.

Each takes her code in the body (never in a URL, which proxies log). A malformed code is a
422 that costs nothing; a well-formed one is counted against her client and against
everyone together (429 past either), then costs one scrypt, so that an unknown code's 404
comes after the same work as a known one's answer. Nothing here is logged.

No secret is ever compared as a string: a code is never stored, so it is never compared with
anything; the database is asked for the mailbox id that scrypt derived, and how long that
lookup takes tells nothing about the code (finding a code for an id is the scrypt preimage).
The NGO's replies are checked by Ed25519 verification, not by comparing bytes.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.deps import EscalationDep, MailboxesDep, MailboxLimiterDep
from api.escalation.service import EscalationUnavailable
from api.language import Language, detect
from api.mailbox.code import MAX_CODE_INPUT_CHARS, MailboxKeys, normalise_code
from api.rate_limit import ClientRateLimiter
from api.schemas import MAX_TEXT_CHARS, Problem, TooManyMessages, no_control_characters
from kakekomi_common.burmese import to_unicode

router = APIRouter(prefix="/api/mailbox", tags=["mailbox"])

Code = Annotated[str, StringConstraints(max_length=MAX_CODE_INPUT_CHARS)]
_NOT_FOUND: Final = {"detail": "no mailbox for this code"}
_BAD_CODE: Final = {
    "detail": [{"type": "code_invalid", "loc": ["body", "code"], "msg": "a code is 16 digits"}]
}


class OpenRequest(BaseModel):
    """Her code, and the language the page is in."""

    code: Code = Field(description="16 digits, in any script; spaces and hyphens are ignored.")
    language: Language | None = None


class AnswerRequest(BaseModel):
    """Her code and her answer to the NGO."""

    code: Code
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS),
        AfterValidator(no_control_characters),
        AfterValidator(to_unicode),  # Burmese in Zawgyi, as the chat converts it
    ]
    language: Language | None = None


class ForgetRequest(BaseModel):
    """Her code."""

    code: Code


class ShownMessage(BaseModel):
    """One message in her mailbox."""

    sender: Literal["ngo", "you"] = Field(alias="from")
    text: str
    sent_at: str = Field(description="UTC, to the minute: 2026-01-01T09:41:00Z")


class MailboxAnswer(BaseModel):
    """Her messages, oldest first."""

    messages: list[ShownMessage]


class Status(BaseModel):
    """What happened."""

    status: Literal["queued", "forgotten"]


_RESPONSES: Final[dict[int | str, dict[str, object]]] = {
    404: {"model": Problem, "description": "No mailbox for this code (unknown or expired)"},
    413: {"model": Problem, "description": "Body over 16 KiB"},
    429: {"model": TooManyMessages, "description": "Too many attempts: see Retry-After"},
}


async def _keys(
    raw: str, request: Request, limiter: ClientRateLimiter, mailboxes: MailboxesDep
) -> MailboxKeys | Response:
    code = normalise_code(raw)
    if code is None:
        return JSONResponse(_BAD_CODE, status_code=422)
    # Counted before the scrypt: a flood of guesses costs us a counter, not 32 MiB each.
    client = request.client.host if request.client else ""
    wait = await limiter.check(client)
    if wait is not None:
        return JSONResponse(
            {"detail": "too many attempts", "retry_after": wait},
            status_code=429,
            headers={"retry-after": str(wait)},
        )
    return await mailboxes.keys_for(code)


@router.post("", response_model=MailboxAnswer, responses=_RESPONSES)
async def read_mailbox(
    body: OpenRequest, request: Request, mailboxes: MailboxesDep, limiter: MailboxLimiterDep
) -> MailboxAnswer | Response:
    """The messages in her mailbox, decrypted for this answer only."""
    keys = await _keys(body.code, request, limiter, mailboxes)
    if isinstance(keys, Response):
        return keys
    shown = await mailboxes.read(keys)
    if shown is None:
        return JSONResponse(_NOT_FOUND, status_code=404)
    return MailboxAnswer(
        messages=[
            ShownMessage.model_validate({"from": m.sender, "text": m.text, "sent_at": m.sent_at})
            for m in shown
        ]
    )


@router.post(
    "/reply",
    status_code=202,
    response_model=Status,
    responses={**_RESPONSES, 503: {"model": Problem, "description": "No NGO configured"}},
)
async def answer_ngo(
    body: AnswerRequest,
    request: Request,
    mailboxes: MailboxesDep,
    limiter: MailboxLimiterDep,
    escalation: EscalationDep,
) -> Status | Response:
    """Send her answer to the NGO through the outbox (never lost) and keep a copy for her."""
    keys = await _keys(body.code, request, limiter, mailboxes)
    if isinstance(keys, Response):
        return keys
    language = body.language or detect(body.text) or "en"
    try:
        found = await mailboxes.answer(keys, body.text, language)
    except EscalationUnavailable:
        return JSONResponse({"detail": "answers cannot be sent now"}, status_code=503)
    if not found:
        return JSONResponse(_NOT_FOUND, status_code=404)
    return Status(status="queued")


@router.post("/forget", response_model=Status, responses=_RESPONSES)
async def forget_mailbox(
    body: ForgetRequest, request: Request, mailboxes: MailboxesDep, limiter: MailboxLimiterDep
) -> Status | Response:
    """Delete her mailbox and every message in it, at once."""
    keys = await _keys(body.code, request, limiter, mailboxes)
    if isinstance(keys, Response):
        return keys
    if not await mailboxes.forget(keys):
        return JSONResponse(_NOT_FOUND, status_code=404)
    return Status(status="forgotten")
