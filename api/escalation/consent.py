"""The gateway's side of the consent conversation.

After her yes, Rasa sends a custom payload ``{"handoff": {"urgency", "topics"}}``; the
gateway remembers it on the session (shared by every gateway when sessions are in Redis).
Her next message answers "how may they reach you?": the gateway that receives it takes
the pending handoff from the session store (only one message can), keeps her answer out
of Rasa, builds the handoff with her last messages, encrypts and queues it, and only then
lets Rasa confirm.

Her answer may instead be the ``/reply_code`` button: then the gateway makes a code and a
mailbox, puts the mailbox and her public key in the handoff (no contact), and gives her the
code itself; Rasa hears ``/deny`` and never sees the code.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from api.buttons import is_button_payload
from api.escalation.handoff import Contact, Urgency, build_handoff
from api.escalation.service import EscalationService, EscalationUnavailable
from api.mailbox.code import grouped
from api.mailbox.service import MailboxService, target_of
from api.sessions import Handoff, Session

log = logging.getLogger("kakekomi.escalation")

MAX_CONTACT_CHARS: Final = 300
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"^\+?[\d\s().-]{8,}$")
_APPS = ("line", "whatsapp", "messenger", "viber", "signal", "telegram", "facebook")
REPLY_CODE_PAYLOAD: Final = "/reply_code"


def remember_handoff_request(session: Session, custom: Any) -> None:
    """Custom-payload hook: after her yes, wait for the answer to the contact question."""
    request = custom.get("handoff") if isinstance(custom, dict) else None
    if not isinstance(request, dict) or request.get("urgency") not in ("emergency", "normal"):
        return
    topics = request.get("topics")
    session.pending_handoff = {
        "urgency": request["urgency"],
        "topics": [t for t in topics if isinstance(t, str)] if isinstance(topics, list) else [],
    }


def contact_from(text: str) -> Contact | None:
    """Her answer as a contact; None when she skipped (any button payload, e.g. /deny)."""
    value = text.strip()[:MAX_CONTACT_CHARS]
    if not value or is_button_payload(value):
        return None
    lowered = value.lower()
    if _EMAIL.search(value):
        method = "email"
    elif _PHONE.match(value):
        method = "phone"
    else:
        method = next((app for app in _APPS if app in lowered), "text")
    return Contact(method=method, value=value)


async def answer_contact_question(
    session: Session,
    pending: Handoff,
    text: str,
    service: EscalationService,
    mailboxes: MailboxService,
) -> tuple[str, str, str | None]:
    """Queue the handoff taken from her session; return what Rasa hears, the result, her code.

    Rasa hears only ``/affirm`` (a contact was given) or ``/deny`` (skipped, or a reply
    code); the result is "queued", "unavailable" (no NGO configured) or "failed"; the code
    (four groups of four digits) only when she asked for one and the handoff is queued.
    """
    urgency: Urgency = pending["urgency"]
    wants_code = text.strip() == REPLY_CODE_PAYLOAD and service.configured
    contact = None if wants_code else contact_from(text)
    code = keys = None
    try:
        if wants_code:
            code, keys = await mailboxes.new_mailbox()
        handoff = build_handoff(
            language=session.language or "en",
            urgency=urgency,
            topics=pending["topics"],
            words=list(session.recent_texts),
            contact=contact,
            reply=None if keys is None else target_of(keys),
        )
        await service.submit(handoff)
        status = "queued"
    except EscalationUnavailable:
        status = "unavailable"
    except Exception as error:  # never lose her answer silently: she is told it failed
        log.error("escalation.submit_failed error=%s", type(error).__name__)
        status = "failed"
    if status != "queued" and keys is not None:
        code = None  # no answer can come to a mailbox whose request never left
        try:
            await mailboxes.discard(keys)
        except Exception as error:  # it expires on its own
            log.warning("mailbox.discard_failed error=%s", type(error).__name__)
    return ("/affirm" if contact else "/deny"), status, None if code is None else grouped(code)
