"""``POST /api/ngo/replies``: the NGO's sealed reply to a mailbox, signed with its own key.

The signature is checked before anything else is read (an unsigned caller learns nothing,
not even whether a mailbox exists); the ciphertext is stored as received; the gateway
cannot open it. Same id again: 200, nothing changes (the NGO may resend). Nothing logged.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import MailboxesDep
from api.mailbox.store import Added
from kakekomi_ngo.protocol import BadSignature, MalformedRequest, StaleTimestamp, verify_headers
from kakekomi_ngo.replies import MAX_REPLY_BODY_BYTES, parse_reply_body

router = APIRouter(prefix="/api/ngo", tags=["ngo"])

_ANSWERS: Final[dict[int | str, dict[str, object]]] = {
    200: {"description": "Stored (also for an id already stored)"},
    400: {"description": "Malformed headers or body"},
    401: {"description": "No valid signature from the NGO's key, or a stale timestamp"},
    404: {"description": "No such mailbox (unknown, expired or forgotten)"},
    413: {"description": "Body over 64 KiB"},
    503: {"description": "No NGO signing key is configured"},
}


def _answer(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.post("/replies", responses=_ANSWERS)
async def ngo_reply(request: Request, mailboxes: MailboxesDep) -> JSONResponse:
    """Store an NGO's reply, sealed to her key, in her mailbox."""
    key = mailboxes.ngo_key
    if key is None:
        return _answer(503, "replies are not accepted: no NGO signing key is configured")
    body = await request.body()
    if len(body) > MAX_REPLY_BODY_BYTES:
        return _answer(413, "request body too large")
    if not request.headers.get("webhook-signature"):
        return _answer(401, "missing webhook-signature")
    try:
        reply_id = verify_headers(request.headers, body, [key])
    except (StaleTimestamp, BadSignature):
        return _answer(401, "no valid signature from the NGO's key at this time")
    except MalformedRequest:
        return _answer(400, "malformed webhook headers")
    try:
        message_id, mailbox, sealed = parse_reply_body(body)
    except MalformedRequest as exc:
        return _answer(400, str(exc))
    if message_id != reply_id:
        return _answer(400, "the body's id is not the webhook-id")
    added = await mailboxes.store_reply(message_id, mailbox, sealed)
    if added is Added.NO_MAILBOX:
        return _answer(404, "no such mailbox: unknown, expired or deleted")
    return JSONResponse({"status": "stored"})
