"""The version-2 worked example in docs/handoff-protocol.md: the code gives the documented
mailbox and key, and the documented reply verifies and opens with bare library calls."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from api.mailbox.code import derive, normalise_code
from kakekomi_ngo import protocol, replies

DOC = Path(__file__).resolve().parents[2] / "docs" / "handoff-protocol.md"
VECTOR = re.compile(r"<!-- vector: (v2-[a-z0-9-]+) -->\n```[a-z]*\n(.*?)\n```", re.DOTALL)
TIMESTAMP = 1767225600


@pytest.fixture(scope="module")
def vectors() -> dict[str, str]:
    found = dict(VECTOR.findall(DOC.read_text("utf-8")))
    assert len(found) == 9, sorted(found)
    return found


def test_the_prose_alone_derives_her_mailbox_and_key(vectors: dict[str, str]) -> None:
    """scrypt and X25519 exactly as section 9.2 says, without our code."""
    typed = unicodedata.normalize("NFKC", vectors["v2-code"])
    digits = "".join(str(unicodedata.decimal(c)) for c in typed if c not in " -")
    okm = hashlib.scrypt(
        digits.encode(), salt=b"kakekomi-mailbox-v2", n=2**15, r=8, p=1, maxmem=64 << 20, dklen=64
    )
    assert okm[:16].hex() == vectors["v2-mailbox"]
    public = x25519.X25519PrivateKey.from_private_bytes(okm[32:64]).public_key()
    assert base64.b64encode(public.public_bytes_raw()).decode() == vectors["v2-public-key"]
    # And the gateway's own derivation agrees.
    keys = derive(normalise_code(vectors["v2-code"]) or "")
    assert keys.mailbox == vectors["v2-mailbox"]
    assert replies.encode_public_key(keys.public_key) == vectors["v2-public-key"]


def test_the_documented_reply_verifies_and_opens_with_her_code(vectors: dict[str, str]) -> None:
    body = vectors["v2-body"].encode()
    headers = dict(line.split(": ", 1) for line in vectors["v2-headers"].splitlines())
    signing_public = serialization.load_pem_public_key(
        vectors["v2-ngo-signing-public-key"].encode()
    )
    signing_private = serialization.load_pem_private_key(
        vectors["v2-ngo-signing-private-key"].encode(), password=None
    )
    assert isinstance(signing_public, ed25519.Ed25519PublicKey)
    assert isinstance(signing_private, ed25519.Ed25519PrivateKey)
    signature = base64.b64decode(headers["webhook-signature"].removeprefix("v1a,"))
    signing_public.verify(
        signature, f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    )
    assert protocol.sign_headers(headers["webhook-id"], body, signing_private, TIMESTAMP) == headers

    envelope = json.loads(body)
    assert envelope["version"] == 2 and envelope["mailbox"] == vectors["v2-mailbox"]
    info = b"kakekomi-reply-v2|" + envelope["mailbox"].encode() + b"|" + envelope["id"].encode()
    assert info.hex() == vectors["v2-info-hex"]
    keys = derive(normalise_code(vectors["v2-code"]) or "")
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
    sealed = base64.b64decode(envelope["ciphertext"])
    assert len(sealed) == 32 + 1024 + 16
    padded = suite.decrypt(sealed, keys.private_key, info=info)
    assert json.loads(padded.rstrip(b" ")) == json.loads(vectors["v2-plaintext"])
    # Our module reads it the same way.
    message_id, mailbox, parsed = replies.parse_reply_body(body)
    opened = replies.open_message(parsed, keys.private_key, mailbox, message_id)
    assert opened == json.loads(vectors["v2-plaintext"])
