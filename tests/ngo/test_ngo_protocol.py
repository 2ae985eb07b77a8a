"""Wire format v1: what opens, and everything that must be refused."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from kakekomi_ngo import protocol
from kakekomi_ngo.keys import NgoPrivateKey, PostQuantumPrivateKey, generate_ngo_key
from kakekomi_ngo.receiver import HandoffReceiver

HANDOFF: dict[str, Any] = {
    "id": "0b6f3c1e-9a57-4d7e-8a4f-2f1f1d4b9c11",
    "created_at": "2025-01-31T09:41:00Z",
    "language": "th",
    "urgency": "emergency",
    "topics": ["emergency", "ask_shelter"],
    "words": ["ช่วยด้วย", "he took my passport", "たすけて"],
    "contact": {"method": "line", "value": "@example"},
}


def sealed_request(
    ngo_key: NgoPrivateKey, signing_key: ed25519.Ed25519PrivateKey, handoff: dict[str, Any]
) -> tuple[dict[str, str], bytes]:
    body = protocol.encrypt_handoff(handoff, ngo_key.public_key())
    return protocol.sign_headers(handoff["id"], body, signing_key), body


def envelope(body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_round_trip_picks_the_suite_from_the_key_type(ngo_key: NgoPrivateKey) -> None:
    body = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    env = envelope(body)
    expected_suite = (
        protocol.SUITE_MLKEM768_X25519
        if isinstance(ngo_key, PostQuantumPrivateKey)
        else protocol.SUITE_X25519
    )
    assert env["suite"] == expected_suite
    assert env["id"] == HANDOFF["id"] and env["version"] == 1
    assert set(env) == {"id", "version", "suite", "ciphertext"}
    assert protocol.decrypt_body(body, [ngo_key]) == HANDOFF


def test_ciphertext_hides_the_length_to_a_kilobyte(ngo_key: NgoPrivateKey) -> None:
    short = dict(HANDOFF, words=["a"])
    longer = dict(HANDOFF, words=["a" * 600])
    sizes = {
        len(
            base64.b64decode(
                envelope(protocol.encrypt_handoff(h, ngo_key.public_key()))["ciphertext"]
            )
        )
        for h in (short, longer)
    }
    assert len(sizes) == 1


def test_encrypting_twice_gives_different_ciphertexts(ngo_key: NgoPrivateKey) -> None:
    first = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    second = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    assert envelope(first)["ciphertext"] != envelope(second)["ciphertext"]


def test_tampered_ciphertext_is_rejected(ngo_key: NgoPrivateKey) -> None:
    env = envelope(protocol.encrypt_handoff(HANDOFF, ngo_key.public_key()))
    sealed = bytearray(base64.b64decode(env["ciphertext"]))
    sealed[-5] ^= 0x01
    env["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    with pytest.raises(protocol.DecryptionFailed):
        protocol.decrypt_body(json.dumps(env).encode(), [ngo_key])


def test_wrong_key_is_rejected(ngo_key: NgoPrivateKey) -> None:
    body = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    other = generate_ngo_key(post_quantum=isinstance(ngo_key, PostQuantumPrivateKey))
    with pytest.raises(protocol.DecryptionFailed):
        protocol.decrypt_body(body, [other])


def test_a_key_of_the_other_kind_cannot_open_it(ngo_key: NgoPrivateKey) -> None:
    body = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    other = generate_ngo_key(post_quantum=not isinstance(ngo_key, PostQuantumPrivateKey))
    with pytest.raises(protocol.DecryptionFailed, match="no private key"):
        protocol.decrypt_body(body, [other])


def test_the_right_key_among_several_opens_it(ngo_key: NgoPrivateKey) -> None:
    body = protocol.encrypt_handoff(HANDOFF, ngo_key.public_key())
    old = generate_ngo_key(post_quantum=isinstance(ngo_key, PostQuantumPrivateKey))
    assert protocol.decrypt_body(body, [old, ngo_key]) == HANDOFF


def test_ciphertext_moved_to_another_id_does_not_open(ngo_key: NgoPrivateKey) -> None:
    env = envelope(protocol.encrypt_handoff(HANDOFF, ngo_key.public_key()))
    env["id"] = "another-id"
    with pytest.raises(protocol.DecryptionFailed):
        protocol.decrypt_body(json.dumps(env).encode(), [ngo_key])


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"version": True},
        {"suite": "X25519-HKDF-SHA256-AES128GCM"},
        {"ciphertext": "not base64!"},
        {"id": "../../etc/passwd"},
        {"id": 7},
    ],
)
def test_malformed_envelopes_are_rejected(change: dict[str, Any]) -> None:
    key = x25519.X25519PrivateKey.generate()
    env = envelope(protocol.encrypt_handoff(HANDOFF, key.public_key()))
    env.update(change)
    with pytest.raises(protocol.MalformedRequest):
        protocol.decrypt_body(json.dumps(env).encode(), [key])


def test_signature_verifies_over_id_timestamp_and_raw_body(
    signing_key: ed25519.Ed25519PrivateKey,
) -> None:
    body = b'{"id":"abc","version":1}'
    headers = protocol.sign_headers("abc", body, signing_key, timestamp=1_700_000_000)
    assert headers["webhook-signature"].startswith("v1a,")
    signature = base64.b64decode(headers["webhook-signature"][4:])
    signing_key.public_key().verify(signature, b"abc.1700000000." + body)
    assert (
        protocol.verify_headers(headers, body, [signing_key.public_key()], now=1_700_000_100)
        == "abc"
    )


def test_header_names_are_case_insensitive(signing_key: ed25519.Ed25519PrivateKey) -> None:
    body = b"{}"
    headers = {k.title(): v for k, v in protocol.sign_headers("abc", body, signing_key).items()}
    assert protocol.verify_headers(headers, body, [signing_key.public_key()]) == "abc"


@pytest.mark.parametrize("part", ["body", "id", "timestamp", "signature", "key"])
def test_bad_signatures_are_rejected(signing_key: ed25519.Ed25519PrivateKey, part: str) -> None:
    body = b'{"id":"abc"}'
    now = int(time.time())
    headers = protocol.sign_headers("abc", body, signing_key, timestamp=now)
    keys = [signing_key.public_key()]
    if part == "body":
        body = b'{"id":"abd"}'
    elif part == "id":
        headers["webhook-id"] = "abd"
    elif part == "timestamp":
        headers["webhook-timestamp"] = str(now - 1)
    elif part == "signature":
        headers["webhook-signature"] = "v1a," + base64.b64encode(bytes(64)).decode()
    else:
        keys = [ed25519.Ed25519PrivateKey.generate().public_key()]
    with pytest.raises(protocol.BadSignature):
        protocol.verify_headers(headers, body, keys)


def test_one_good_signature_among_several_is_enough(
    signing_key: ed25519.Ed25519PrivateKey,
) -> None:
    body = b"{}"
    headers = protocol.sign_headers("abc", body, signing_key)
    bogus = "v1a," + base64.b64encode(bytes(64)).decode()
    headers["webhook-signature"] = f"v1,hmac== {bogus} {headers['webhook-signature']}"
    assert protocol.verify_headers(headers, body, [signing_key.public_key()]) == "abc"


@pytest.mark.parametrize("offset", [-301, 301, -86400, 86400])
def test_stale_and_future_timestamps_are_rejected(
    signing_key: ed25519.Ed25519PrivateKey, offset: int
) -> None:
    now = 1_700_000_000
    headers = protocol.sign_headers("abc", b"{}", signing_key, timestamp=now + offset)
    with pytest.raises(protocol.StaleTimestamp):
        protocol.verify_headers(headers, b"{}", [signing_key.public_key()], now=now)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamps_within_five_minutes_pass(
    signing_key: ed25519.Ed25519PrivateKey, offset: int
) -> None:
    now = 1_700_000_000
    headers = protocol.sign_headers("abc", b"{}", signing_key, timestamp=now + offset)
    assert protocol.verify_headers(headers, b"{}", [signing_key.public_key()], now=now) == "abc"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "abc", "webhook-timestamp": "soon", "webhook-signature": "v1a,AAAA"},
        {"webhook-id": "a b", "webhook-timestamp": "1", "webhook-signature": "v1a,AAAA"},
    ],
)
def test_malformed_headers_are_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(protocol.MalformedRequest):
        protocol.verify_headers(headers, b"{}", [ed25519.Ed25519PrivateKey.generate().public_key()])


def test_receiver_stores_once_and_drops_a_replayed_id(
    tmp_path: Path, ngo_key: NgoPrivateKey, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    receiver = HandoffReceiver(
        private_keys=[ngo_key], sender_keys=[signing_key.public_key()], out_dir=tmp_path / "in"
    )
    headers, body = sealed_request(ngo_key, signing_key, HANDOFF)
    assert receiver.handle(headers, body).reason == "stored"
    # The same request captured and replayed, and a resend signed afresh: both dropped.
    assert receiver.handle(headers, body) == receiver.handle(
        protocol.sign_headers(HANDOFF["id"], body, signing_key), body
    )
    assert receiver.handle(headers, body).reason == "duplicate"
    assert [p.name for p in (tmp_path / "in").glob("*.json")] == [f"{HANDOFF['id']}.json"]
    stored = json.loads(receiver.handoff_path(HANDOFF["id"]).read_text("utf-8"))
    assert stored == HANDOFF


def test_receiver_remembers_ids_across_restarts_even_when_files_were_moved(
    tmp_path: Path, ngo_key: NgoPrivateKey, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    def receiver() -> HandoffReceiver:
        return HandoffReceiver(
            private_keys=[ngo_key], sender_keys=[signing_key.public_key()], out_dir=tmp_path / "in"
        )

    headers, body = sealed_request(ngo_key, signing_key, HANDOFF)
    first = receiver()
    assert first.handle(headers, body).status == 200
    first.handoff_path(HANDOFF["id"]).rename(tmp_path / "read-by-caseworker.json")
    answer = receiver().handle(protocol.sign_headers(HANDOFF["id"], body, signing_key), body)
    assert answer.reason == "duplicate"
    assert not list((tmp_path / "in").glob("*.json"))


def test_receiver_answers_4xx_to_bad_requests(
    tmp_path: Path, ngo_key: NgoPrivateKey, signing_key: ed25519.Ed25519PrivateKey
) -> None:
    receiver = HandoffReceiver(
        private_keys=[ngo_key], sender_keys=[signing_key.public_key()], out_dir=tmp_path / "in"
    )
    headers, body = sealed_request(ngo_key, signing_key, HANDOFF)
    forged = protocol.sign_headers(HANDOFF["id"], body, ed25519.Ed25519PrivateKey.generate())
    stale = protocol.sign_headers(HANDOFF["id"], body, signing_key, int(time.time()) - 600)
    other = dict(HANDOFF, id="other-id")
    _, other_body = sealed_request(ngo_key, signing_key, other)
    mismatched = protocol.sign_headers(HANDOFF["id"], other_body, signing_key)
    wrong_key_body = protocol.encrypt_handoff(
        HANDOFF,
        generate_ngo_key(post_quantum=isinstance(ngo_key, PostQuantumPrivateKey)).public_key(),
    )
    undecryptable = protocol.sign_headers(HANDOFF["id"], wrong_key_body, signing_key)
    assert receiver.handle(forged, body).status == 401
    assert receiver.handle(stale, body).status == 401
    assert receiver.handle(mismatched, other_body).status == 400
    assert receiver.handle(undecryptable, wrong_key_body).status == 422
    assert receiver.handle({}, body).status == 400
    assert not list((tmp_path / "in").glob("*.json"))
    # A failed decryption is not remembered: the genuine one is still accepted.
    assert receiver.handle(headers, body).reason == "stored"
