"""The worked example in docs/handoff-protocol.md still decrypts and verifies."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from kakekomi_ngo import keys, protocol

DOC = Path(__file__).resolve().parents[2] / "docs" / "handoff-protocol.md"
VECTOR = re.compile(r"<!-- vector: ([a-z0-9-]+) -->\n```[a-z]*\n(.*?)\n```", re.DOTALL)
TIMESTAMP = 1767225600


@pytest.fixture(scope="module")
def vectors() -> dict[str, str]:
    found = dict(VECTOR.findall(DOC.read_text("utf-8")))
    assert len(found) >= 18, sorted(found)
    return found


def signing_keys(
    vectors: dict[str, str],
) -> tuple[ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey]:
    private = serialization.load_pem_private_key(
        vectors["signing-private-key"].encode(), password=None
    )
    public = serialization.load_pem_public_key(vectors["signing-public-key"].encode())
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    assert private.public_key() == public
    return private, public


@pytest.mark.parametrize("suite", ["x25519", "pq"])
def test_documented_vectors_decrypt_and_verify(vectors: dict[str, str], suite: str) -> None:
    private = keys.parse_ngo_private_key(vectors[f"{suite}-ngo-private-key"].encode())
    public = keys.parse_ngo_public_key(vectors[f"{suite}-ngo-public-key"].encode())
    assert keys.fingerprint(public) == keys.fingerprint(private.public_key())
    assert keys.fingerprint(public) == vectors[f"{suite}-fingerprint"]

    body = vectors[f"{suite}-body"].encode()
    plaintext = vectors[f"{suite}-plaintext"]
    handoff = json.loads(plaintext)
    envelope = json.loads(body)
    assert envelope["suite"] == protocol.suite_for(public)
    assert protocol.decrypt_body(body, [private]) == handoff

    sealed = base64.b64decode(envelope["ciphertext"])
    enc_length = 32 if suite == "x25519" else 1120
    assert len(sealed) == enc_length + len(protocol.pad(plaintext.encode())) + 16
    if suite == "x25519":
        assert sealed[:32].hex() == vectors["x25519-enc-hex"]
    assert protocol.info_for(handoff["id"]).hex() == vectors[f"{suite}-info-hex"]

    signing_private, signing_public = signing_keys(vectors)
    headers = dict(line.split(": ", 1) for line in vectors[f"{suite}-headers"].splitlines())
    assert headers["webhook-id"] == handoff["id"]
    assert vectors[f"{suite}-signed-prefix"] == f"{handoff['id']}.{TIMESTAMP}."
    assert protocol.verify_headers(headers, body, [signing_public], now=TIMESTAMP) == handoff["id"]
    # Ed25519 is deterministic: signing again gives the documented header exactly.
    assert protocol.sign_headers(handoff["id"], body, signing_private, TIMESTAMP) == headers
    with pytest.raises(protocol.StaleTimestamp):
        protocol.verify_headers(headers, body, [signing_public])


def test_the_prose_alone_is_enough_to_open_the_classic_example(vectors: dict[str, str]) -> None:
    """Decrypt and verify with bare cryptography calls, as an NGO reading the page would."""
    private = serialization.load_pem_private_key(
        vectors["x25519-ngo-private-key"].encode(), password=None
    )
    assert isinstance(private, x25519.X25519PrivateKey)
    raw_body = vectors["x25519-body"].encode()
    headers = dict(line.split(": ", 1) for line in vectors["x25519-headers"].splitlines())
    signature = base64.b64decode(headers["webhook-signature"].removeprefix("v1a,"))
    message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw_body
    _, public = signing_keys(vectors)
    public.verify(signature, message)

    envelope = json.loads(raw_body)
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
    padded = suite.decrypt(
        base64.b64decode(envelope["ciphertext"]),
        private,
        info=b"kakekomi-handoff-v1|" + envelope["id"].encode(),
    )
    assert len(padded) % 1024 == 0
    assert json.loads(padded.rstrip(b" ")) == json.loads(vectors["x25519-plaintext"])
