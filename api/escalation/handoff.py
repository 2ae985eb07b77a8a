"""The plaintext handoff: exactly what she agreed to share, nothing more.

A request carries her last words and, if she gave one, a contact; with a reply code instead
it carries ``reply`` (her mailbox and public key) and no contact. Her answers from the
mailbox go out as ``follow_up`` handoffs with the same ``reply``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Final, Literal, TypedDict

from kakekomi_ngo.replies import ReplyTarget

Urgency = Literal["emergency", "normal"]
Kind = Literal["request", "follow_up"]
MAX_WORDS: Final = 5


class Contact(TypedDict):
    """How the NGO may reach her, only if she chose to say."""

    method: str
    value: str


class Handoff(TypedDict):
    """The plaintext JSON that only the NGO can read."""

    id: str
    kind: Kind
    created_at: str
    language: str
    urgency: Urgency
    topics: list[str]
    words: list[str]
    contact: Contact | None
    reply: ReplyTarget | None


def new_handoff_id() -> str:
    """A random id (uuid4), also used as the webhook-id of every delivery attempt."""
    return str(uuid.uuid4())


def minute_timestamp(now: datetime | None = None) -> str:
    """UTC time truncated to the minute, ISO 8601 (e.g. 2025-01-31T09:41:00Z)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_handoff(
    *,
    language: str,
    urgency: Urgency,
    topics: Iterable[str],
    words: Sequence[str],
    contact: Contact | None = None,
    reply: ReplyTarget | None = None,
    kind: Kind = "request",
    now: datetime | None = None,
) -> Handoff:
    """Assemble a handoff: a new id, the minute, and at most her last 5 messages."""
    if urgency not in ("emergency", "normal"):
        raise ValueError("urgency must be 'emergency' or 'normal'")
    if contact is not None and not (
        isinstance(contact.get("method"), str) and isinstance(contact.get("value"), str)
    ):
        raise ValueError("contact must be null or {'method': str, 'value': str}")
    if reply is not None and contact is not None:
        raise ValueError("a handoff with a reply code carries no contact")
    if kind == "follow_up" and reply is None:
        raise ValueError("a follow-up answers through a mailbox: it needs reply")
    unique_topics = list(dict.fromkeys(topics))
    return Handoff(
        id=new_handoff_id(),
        kind=kind,
        created_at=minute_timestamp(now),
        language=language,
        urgency=urgency,
        topics=unique_topics,
        words=list(words)[-MAX_WORDS:] if words else [],
        contact=None
        if contact is None
        else Contact(method=contact["method"], value=contact["value"]),
        reply=None
        if reply is None
        else ReplyTarget(mailbox=reply["mailbox"], public_key=reply["public_key"]),
    )
