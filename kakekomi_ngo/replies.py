"""Wire format v2 of a mailbox message: the NGO's reply to her, and her own copies.

A person who chose a reply code has a mailbox on the gateway, named by 32 hex digits, and an
X25519 key pair that only her code gives back. The NGO seals a reply to her public key (from
the handoff's ``reply``), signs the request as the gateway signs handoffs, and POSTs it to
``/api/ngo/replies``; the gateway stores the ciphertext as received and cannot read it. Her
own answers are stored sealed the same way. docs/handoff-protocol.md, section 9, describes
the same thing in prose; this module is its one implementation.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import x25519

from kakekomi_ngo.protocol import SUITE_X25519, MalformedRequest, is_valid_id, pad, unpad

REPLY_VERSION: Final = 2
REPLY_INFO_PREFIX: Final = b"kakekomi-reply-v2|"
REPLY_SUITE: Final = SUITE_X25519
# The gateway refuses a reply body above this (413).
MAX_REPLY_BODY_BYTES: Final = 64 * 1024
PUBLIC_KEY_BYTES: Final = 32
ENC_BYTES: Final = 32
TAG_BYTES: Final = 16

_MAILBOX = re.compile(r"[0-9a-f]{32}")
_SUITE: Final = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


class ReplyTarget(TypedDict):
    """The handoff's ``reply`` member: where and to whom an answer is sealed."""

    mailbox: str
    public_key: str


@dataclass(frozen=True)
class SealedReply:
    """One reply ready to POST: its id, the exact body bytes, and what it said."""

    id: str
    mailbox: str
    text: str
    sent_at: str
    body: bytes


class MailboxMessage(TypedDict):
    """A mailbox message's plaintext."""

    id: str
    mailbox: str
    text: str
    sent_at: str


def is_mailbox_id(value: object) -> bool:
    """Whether a value is a mailbox id: 32 lowercase hex digits."""
    return isinstance(value, str) and _MAILBOX.fullmatch(value) is not None


def new_message_id() -> str:
    """A random id (uuid4) for a reply or a follow-up."""
    return str(uuid.uuid4())


def minute_now(now: datetime | None = None) -> str:
    """UTC time truncated to the minute, ISO 8601 (``2026-01-01T09:41:00Z``)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def reply_info(mailbox: str, message_id: str) -> bytes:
    """The HPKE info that binds a sealed message to its mailbox and its id."""
    if not is_mailbox_id(mailbox):
        raise MalformedRequest("mailbox must be 32 lowercase hex digits")
    if not is_valid_id(message_id):
        raise MalformedRequest("id must be 1-128 of [A-Za-z0-9_-], starting with a letter or digit")
    return REPLY_INFO_PREFIX + mailbox.encode("ascii") + b"|" + message_id.encode("ascii")


def encode_public_key(key: x25519.X25519PublicKey) -> str:
    """Her public key as the handoff carries it: base64 of the raw 32 bytes."""
    return base64.b64encode(key.public_bytes_raw()).decode("ascii")


def decode_public_key(text: object) -> x25519.X25519PublicKey:
    """Her public key from a handoff's ``reply.public_key``."""
    try:
        raw = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRequest("public_key is not base64") from exc
    if not isinstance(text, str) or len(raw) != PUBLIC_KEY_BYTES:
        raise MalformedRequest("public_key must be 32 bytes of X25519, in base64")
    return x25519.X25519PublicKey.from_public_bytes(raw)


def reply_target(handoff: dict[str, Any]) -> ReplyTarget | None:
    """A decrypted handoff's ``reply`` member, checked; None when she gave no reply code."""
    reply = handoff.get("reply")
    if reply is None:
        return None
    if not isinstance(reply, dict) or not is_mailbox_id(reply.get("mailbox")):
        raise MalformedRequest("reply.mailbox must be 32 lowercase hex digits")
    decode_public_key(reply.get("public_key"))
    return ReplyTarget(mailbox=reply["mailbox"], public_key=reply["public_key"])


def seal_message(
    public_key: x25519.X25519PublicKey,
    mailbox: str,
    message_id: str,
    text: str,
    sent_at: str | None = None,
) -> bytes:
    """Serialise, pad and HPKE-seal a message to her key; returns ``enc || ct``."""
    message = MailboxMessage(
        id=message_id, mailbox=mailbox, text=text, sent_at=sent_at or minute_now()
    )
    plaintext = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _SUITE.encrypt(pad(plaintext), public_key, info=reply_info(mailbox, message_id))


def open_message(
    sealed: bytes, private_key: x25519.X25519PrivateKey, mailbox: str, message_id: str
) -> MailboxMessage:
    """Open ``enc || ct`` with her key; refuses a message moved to another mailbox or id."""
    try:
        plaintext = unpad(_SUITE.decrypt(sealed, private_key, info=reply_info(mailbox, message_id)))
        message = json.loads(plaintext.decode("utf-8"))
    except (InvalidTag, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedRequest("the message does not open with this key") from exc
    if (
        not isinstance(message, dict)
        or message.get("id") != message_id
        or message.get("mailbox") != mailbox
        or not isinstance(message.get("text"), str)
        or not isinstance(message.get("sent_at"), str)
    ):
        raise MalformedRequest("the message's id, mailbox, text or sent_at is wrong")
    return MailboxMessage(
        id=message_id, mailbox=mailbox, text=message["text"], sent_at=message["sent_at"]
    )


def is_plausible_sealed(sealed: bytes) -> bool:
    """Whether ``enc || ct`` has the size a padded message gives (32 + 1024·k + 16 bytes)."""
    body = len(sealed) - ENC_BYTES - TAG_BYTES
    return body >= 1024 and body % 1024 == 0


def encode_reply_body(message_id: str, mailbox: str, sealed: bytes) -> bytes:
    """The exact POST body bytes of a reply: compact JSON."""
    reply_info(mailbox, message_id)  # checks both
    envelope = {
        "id": message_id,
        "version": REPLY_VERSION,
        "mailbox": mailbox,
        "suite": REPLY_SUITE,
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
    }
    return json.dumps(envelope, separators=(",", ":")).encode("ascii")


def parse_reply_body(body: bytes) -> tuple[str, str, bytes]:
    """Check a reply body's envelope; returns (id, mailbox, enc || ct)."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest("body is not JSON") from exc
    if not isinstance(envelope, dict):
        raise MalformedRequest("body is not a JSON object")
    version = envelope.get("version")
    if type(version) is not int or version != REPLY_VERSION:
        raise MalformedRequest("version must be 2")
    if envelope.get("suite") != REPLY_SUITE:
        raise MalformedRequest(f"suite must be {REPLY_SUITE}")
    message_id, mailbox, ciphertext = (
        envelope.get("id"),
        envelope.get("mailbox"),
        envelope.get("ciphertext"),
    )
    if not isinstance(message_id, str) or not isinstance(mailbox, str):
        raise MalformedRequest("id and mailbox must be strings")
    reply_info(mailbox, message_id)
    if not isinstance(ciphertext, str):
        raise MalformedRequest("ciphertext must be a string")
    try:
        sealed = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRequest("ciphertext is not base64") from exc
    if not is_plausible_sealed(sealed):
        raise MalformedRequest("ciphertext is not a sealed, padded message")
    return message_id, mailbox, sealed


def make_reply(
    target: ReplyTarget, text: str, message_id: str | None = None, sent_at: str | None = None
) -> tuple[str, bytes]:
    """Seal a reply to the handoff's ``reply`` target; returns (id, POST body)."""
    message_id = message_id or new_message_id()
    public_key = decode_public_key(target["public_key"])
    sealed = seal_message(public_key, target["mailbox"], message_id, text, sent_at)
    return message_id, encode_reply_body(message_id, target["mailbox"], sealed)
