"""Property tests: padding, and round trips of arbitrary handoffs through both suites."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kakekomi_common.languages import CODES as LANGUAGES
from kakekomi_ngo import protocol
from kakekomi_ngo.keys import generate_ngo_key

CLASSIC = generate_ngo_key()
POST_QUANTUM = generate_ngo_key(post_quantum=True)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,40}", fullmatch=True)
texts = st.text(max_size=300)
handoffs = st.fixed_dictionaries(
    {
        "id": ids,
        "language": st.sampled_from(LANGUAGES),
        "urgency": st.sampled_from(["emergency", "normal"]),
        "topics": st.lists(st.sampled_from(["request_help", "emergency", "ask_visa"])),
        "words": st.lists(texts, max_size=5),
        "contact": st.none() | st.fixed_dictionaries({"method": texts, "value": texts}),
    }
)


@given(st.binary(max_size=5000))
def test_padding_is_a_positive_multiple_of_1024_spaces(data: bytes) -> None:
    padded = protocol.pad(data)
    assert len(padded) % 1024 == 0 and len(padded) >= 1024
    assert padded.startswith(data)
    assert set(padded[len(data) :]) <= {ord(" ")}
    assert len(padded) - len(data) < 1024 or not data


@given(st.binary(max_size=5000).filter(lambda b: not b.endswith(b" ")))
def test_unpad_undoes_pad(data: bytes) -> None:
    assert protocol.unpad(protocol.pad(data)) == data


@settings(max_examples=40, deadline=None)
@given(handoffs)
def test_any_handoff_round_trips_through_both_suites(handoff: dict[str, Any]) -> None:
    for key in (CLASSIC, POST_QUANTUM):
        body = protocol.encrypt_handoff(handoff, key.public_key())
        assert protocol.decrypt_body(body, [key]) == handoff


@settings(max_examples=40, deadline=None)
@given(handoffs, st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_rejected(handoff: dict[str, Any], where: int, bit: int) -> None:
    body = protocol.encrypt_handoff(handoff, CLASSIC.public_key())
    envelope = json.loads(body)
    sealed = bytearray(base64.b64decode(envelope["ciphertext"]))
    sealed[where % len(sealed)] ^= 1 << bit
    envelope["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    try:
        protocol.decrypt_body(json.dumps(envelope).encode(), [CLASSIC])
    except protocol.DecryptionFailed:
        return
    raise AssertionError("a tampered ciphertext opened")
