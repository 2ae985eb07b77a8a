"""Wire format v2 of a mailbox message: sealed to her key, bound to its mailbox and id."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from kakekomi_ngo.protocol import MalformedRequest
from kakekomi_ngo.replies import (
    ReplyTarget,
    encode_public_key,
    make_reply,
    open_message,
    parse_reply_body,
    reply_target,
    seal_message,
)

MAILBOX = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def her_key() -> x25519.X25519PrivateKey:
    return x25519.X25519PrivateKey.generate()


def test_a_reply_opens_only_with_her_key_in_its_mailbox_under_its_id(
    her_key: x25519.X25519PrivateKey,
) -> None:
    target = ReplyTarget(mailbox=MAILBOX, public_key=encode_public_key(her_key.public_key()))
    reply_id, body = make_reply(target, "มาที่สำนักงานได้ค่ะ", sent_at="2026-01-01T09:41:00Z")
    envelope = json.loads(body)
    assert set(envelope) == {"id", "version", "mailbox", "suite", "ciphertext"}
    assert envelope["version"] == 2 and envelope["mailbox"] == MAILBOX
    got_id, mailbox, sealed = parse_reply_body(body)
    assert (got_id, mailbox) == (reply_id, MAILBOX)
    assert len(sealed) == 32 + 1024 + 16
    assert open_message(sealed, her_key, MAILBOX, reply_id) == {
        "id": reply_id, "mailbox": MAILBOX, "text": "มาที่สำนักงานได้ค่ะ",
        "sent_at": "2026-01-01T09:41:00Z",
    }  # fmt: skip
    with pytest.raises(MalformedRequest):
        open_message(sealed, her_key, "f" * 32, reply_id)  # moved to another mailbox
    with pytest.raises(MalformedRequest):
        open_message(sealed, her_key, MAILBOX, "another-id")
    with pytest.raises(MalformedRequest):
        open_message(sealed, x25519.X25519PrivateKey.generate(), MAILBOX, reply_id)


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("version", 1),
        ("version", "2"),
        ("suite", "MLKEM768-X25519-HKDF-SHA256-CHACHA20POLY1305"),
        ("mailbox", "0123456789ABCDEF0123456789ABCDEF"),
        ("mailbox", "abc"),
        ("id", "../etc"),
        ("ciphertext", "not base64!"),
        ("ciphertext", base64.b64encode(b"short").decode()),
    ],
)
def test_a_malformed_reply_body_is_refused(
    her_key: x25519.X25519PrivateKey, change: str, value: object
) -> None:
    sealed = seal_message(her_key.public_key(), MAILBOX, "r1", "hi")
    envelope = {
        "id": "r1",
        "version": 2,
        "mailbox": MAILBOX,
        "suite": "X25519-HKDF-SHA256-CHACHA20POLY1305",
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    parse_reply_body(json.dumps(envelope).encode())
    envelope[change] = value
    with pytest.raises(MalformedRequest):
        parse_reply_body(json.dumps(envelope).encode())


def test_the_handoffs_reply_member_is_checked(her_key: x25519.X25519PrivateKey) -> None:
    public = encode_public_key(her_key.public_key())
    assert reply_target({"reply": None}) is None
    assert reply_target({}) is None
    assert reply_target({"reply": {"mailbox": MAILBOX, "public_key": public}}) == {
        "mailbox": MAILBOX,
        "public_key": public,
    }
    for bad in ({"mailbox": "x", "public_key": public}, {"mailbox": MAILBOX, "public_key": "AA=="}):
        with pytest.raises(MalformedRequest):
            reply_target({"reply": bad})
