"""Wire format v1 of a Kakekomi handoff: padding, HPKE sealing, body JSON, signed headers.

This module is the one implementation of the format, used by the gateway to send and by the
NGO's toolkit to receive. docs/handoff-protocol.md describes the same thing in prose.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from kakekomi_ngo.keys import (
    NgoPrivateKey,
    NgoPublicKey,
    PostQuantumPrivateKey,
    PostQuantumPublicKey,
)

VERSION: Final = 1
PAD_BLOCK: Final = 1024
INFO_PREFIX: Final = b"kakekomi-handoff-v1|"
TOLERANCE_SECONDS: Final = 300
MAX_TIMESTAMP_DIGITS: Final = 12
SUITE_X25519: Final = "X25519-HKDF-SHA256-CHACHA20POLY1305"
SUITE_MLKEM768_X25519: Final = "MLKEM768-X25519-HKDF-SHA256-CHACHA20POLY1305"
SIGNATURE_VERSION: Final = "v1a"

_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_SUITES: Final = {
    SUITE_X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    SUITE_MLKEM768_X25519: hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305
    ),
}


class ProtocolError(ValueError):
    """A request or body that must be refused."""


class MalformedRequest(ProtocolError):
    """Headers or body are not wire format v1."""


class BadSignature(ProtocolError):
    """No webhook-signature verifies against a pinned sender key."""


class StaleTimestamp(ProtocolError):
    """webhook-timestamp is more than the tolerance away from now."""


class DecryptionFailed(ProtocolError):
    """The ciphertext does not open with any of the NGO's keys."""


def is_valid_id(handoff_id: str) -> bool:
    """Whether an id is safe as a header value and a file name (1-128 of [A-Za-z0-9_-])."""
    return _ID_PATTERN.fullmatch(handoff_id) is not None


def _require_id(handoff_id: str) -> str:
    if not is_valid_id(handoff_id):
        raise MalformedRequest("id must be 1-128 of [A-Za-z0-9_-], starting with a letter or digit")
    return handoff_id


def pad(data: bytes) -> bytes:
    """Append ASCII spaces up to the next multiple of 1024 bytes (at least 1024)."""
    target = max(1, -(-len(data) // PAD_BLOCK)) * PAD_BLOCK
    return data + b" " * (target - len(data))


def unpad(data: bytes) -> bytes:
    """Strip the trailing spaces added by pad."""
    return data.rstrip(b" ")


def info_for(handoff_id: str) -> bytes:
    """The HPKE info string that binds a ciphertext to its id."""
    return INFO_PREFIX + _require_id(handoff_id).encode("ascii")


def suite_for(key: NgoPublicKey | NgoPrivateKey) -> str:
    """The suite name chosen by the type of the NGO's key."""
    if isinstance(key, PostQuantumPublicKey | PostQuantumPrivateKey):
        return SUITE_MLKEM768_X25519
    return SUITE_X25519


def seal(plaintext: bytes, public_key: NgoPublicKey, handoff_id: str) -> tuple[str, bytes]:
    """HPKE base-mode encrypt padded plaintext to the NGO; returns (suite, enc || ct)."""
    suite_name = suite_for(public_key)
    hpke_key = public_key.hpke_key() if isinstance(public_key, PostQuantumPublicKey) else public_key
    sealed = _SUITES[suite_name].encrypt(pad(plaintext), hpke_key, info=info_for(handoff_id))
    return suite_name, sealed


def open_sealed(
    suite_name: str, sealed: bytes, private_keys: Iterable[NgoPrivateKey], handoff_id: str
) -> bytes:
    """Decrypt enc || ct with the first matching key of the suite's type and unpad it."""
    suite = _SUITES.get(suite_name)
    if suite is None:
        raise MalformedRequest(f"unknown suite {suite_name!r}")
    info = info_for(handoff_id)
    tried = False
    for key in private_keys:
        if suite_for(key) != suite_name:
            continue
        tried = True
        hpke_key: x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey = (
            key.hpke_key() if isinstance(key, PostQuantumPrivateKey) else key
        )
        try:
            return unpad(suite.decrypt(sealed, hpke_key, info=info))
        except (InvalidTag, ValueError):
            continue
    if not tried:
        raise DecryptionFailed(f"no private key of the kind suite {suite_name} needs")
    raise DecryptionFailed("ciphertext does not open with the given key(s)")


def encode_body(handoff_id: str, suite_name: str, sealed: bytes) -> bytes:
    """The exact POST body bytes: compact JSON with id, version, suite, ciphertext."""
    envelope = {
        "id": _require_id(handoff_id),
        "version": VERSION,
        "suite": suite_name,
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
    }
    return json.dumps(envelope, separators=(",", ":")).encode("ascii")


def encrypt_handoff(handoff: Mapping[str, Any], public_key: NgoPublicKey) -> bytes:
    """Serialise, pad and seal a handoff to the NGO; returns the POST body."""
    handoff_id = handoff.get("id")
    if not isinstance(handoff_id, str):
        raise ValueError("a handoff needs a string id")
    plaintext = json.dumps(handoff, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    suite_name, sealed = seal(plaintext, public_key, handoff_id)
    return encode_body(handoff_id, suite_name, sealed)


def parse_body(body: bytes) -> tuple[str, str, bytes]:
    """Check a POST body's JSON envelope; returns (id, suite, enc || ct)."""
    try:
        envelope = json.loads(body)
    # ValueError: an integer of over 4,300 digits; RecursionError: arrays nested too deep.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest("body is not JSON") from exc
    if not isinstance(envelope, dict):
        raise MalformedRequest("body is not a JSON object")
    version = envelope.get("version")
    if type(version) is not int or version != VERSION:
        raise MalformedRequest(f"unsupported version {version!r}")
    handoff_id, suite_name, ciphertext = (
        envelope.get("id"),
        envelope.get("suite"),
        envelope.get("ciphertext"),
    )
    if not isinstance(handoff_id, str) or not isinstance(ciphertext, str):
        raise MalformedRequest("id and ciphertext must be strings")
    if not isinstance(suite_name, str) or suite_name not in _SUITES:
        raise MalformedRequest(f"unknown suite {suite_name!r}")
    try:
        sealed = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRequest("ciphertext is not base64") from exc
    return _require_id(handoff_id), suite_name, sealed


def decrypt_body(body: bytes, private_keys: Iterable[NgoPrivateKey]) -> dict[str, Any]:
    """Open a POST body with the NGO's key(s); returns the handoff as a dict."""
    handoff_id, suite_name, sealed = parse_body(body)
    plaintext = open_sealed(suite_name, sealed, private_keys, handoff_id)
    try:
        handoff = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest("plaintext is not JSON") from exc
    if not isinstance(handoff, dict) or handoff.get("id") != handoff_id:
        raise MalformedRequest("plaintext id does not match the envelope id")
    return handoff


def signed_content(handoff_id: str, timestamp: int, body: bytes) -> bytes:
    """The exact bytes signed: ``{id}.{timestamp}.{raw body}``."""
    return f"{handoff_id}.{timestamp}.".encode("ascii") + body


def sign_headers(
    handoff_id: str,
    body: bytes,
    signing_key: ed25519.Ed25519PrivateKey,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Standard Webhooks headers for one delivery attempt, signed now (or at timestamp)."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = signing_key.sign(signed_content(_require_id(handoff_id), ts, body))
    return {
        "webhook-id": handoff_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": f"{SIGNATURE_VERSION},{base64.b64encode(signature).decode('ascii')}",
    }


def verify_headers(
    headers: Mapping[str, str],
    body: bytes,
    sender_keys: Iterable[ed25519.Ed25519PublicKey],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check the webhook headers over the raw body; returns the verified webhook-id."""
    lowered = {k.lower(): v for k, v in headers.items()}
    handoff_id = lowered.get("webhook-id")
    raw_ts = lowered.get("webhook-timestamp")
    raw_sig = lowered.get("webhook-signature")
    if not handoff_id or not raw_ts or not raw_sig:
        raise MalformedRequest("missing webhook-id, webhook-timestamp or webhook-signature")
    _require_id(handoff_id)
    # Unix seconds fit in 12 digits for 30,000 years; int() refuses more than 4,300.
    if not raw_ts.isascii() or not raw_ts.isdigit() or len(raw_ts) > MAX_TIMESTAMP_DIGITS:
        raise MalformedRequest("webhook-timestamp must be Unix seconds")
    timestamp = int(raw_ts)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise StaleTimestamp("webhook-timestamp is too far from now")
    message = signed_content(handoff_id, timestamp, body)
    keys = list(sender_keys)
    for entry in raw_sig.split():
        version, _, encoded = entry.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        for key in keys:
            try:
                key.verify(signature, message)
            except InvalidSignature:
                continue
            return handoff_id
    raise BadSignature("no valid v1a signature from a pinned sender key")
