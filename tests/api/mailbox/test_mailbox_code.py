"""The reply code: what she may type, and what scrypt derives from it."""

from __future__ import annotations

import re

import pytest

from api.mailbox.code import derive, grouped, new_code, normalise_code
from api.rate_limit import ClientRateLimiter


def test_a_new_code_is_sixteen_random_digits_shown_in_four_groups() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"\d{16}", code) for code in codes)
    assert grouped("1234567890123456") == "1234 5678 9012 3456"


@pytest.mark.parametrize(
    "typed",
    [
        "1234 5678 9012 3456",
        "1234-5678-9012-3456",
        "  1234567890123456 ",
        "１２３４ ５６７８ ９０１２ ３４５６",  # full-width
        "๑๒๓๔ ๕๖๗๘ ๙๐๑๒ ๓๔๕๖",  # Thai
        "၁၂၃၄ ၅၆၇၈ ၉၀၁၂ ၃၄၅၆",  # Burmese
        "१२३४ ५६७८ ९०१२ ३४५६",  # Devanagari
        "1234\u30005678\u00a09012\u20133456",  # ideographic space, no-break space, en dash
    ],
)
def test_digits_of_any_script_and_any_spacing_read_as_the_code(typed: str) -> None:
    assert normalise_code(typed) == "1234567890123456"


@pytest.mark.parametrize(
    "typed",
    ["", "1234", "1234 5678 9012 345", "1234 5678 9012 34567", "1234 5678 9012 345x",
     "1234.5678.9012.3456", "一二三四五六七八九〇一二三四五六", "1" * 65],
)  # fmt: skip
def test_anything_else_is_not_a_code(typed: str) -> None:
    assert normalise_code(typed) is None


def test_the_kdf_is_scrypt_with_the_stated_parameters() -> None:
    import hashlib

    keys = derive("1234567890123456")
    okm = hashlib.scrypt(
        b"1234567890123456", salt=b"kakekomi-mailbox-v2", n=2**15, r=8, p=1,
        maxmem=64 * 1024 * 1024, dklen=64,
    )  # fmt: skip
    assert keys.mailbox == okm[:16].hex()
    assert keys.private_key.private_bytes_raw() == okm[32:64]
    assert derive("1234567890123456").mailbox == keys.mailbox
    assert derive("1234567890123457").mailbox != keys.mailbox


def test_guesses_are_limited_per_client_and_for_everyone_together() -> None:
    now = [0.0]
    limiter = ClientRateLimiter(3, total=5, scope="mailbox ", clock=lambda: now[0])
    assert [limiter.hit("192.0.2.1") for _ in range(4)] == [None, None, None, 60]
    # Other clients still get in, until everyone together has made five attempts.
    assert [limiter.hit(f"198.51.100.{n}") for n in range(3)] == [None, None, 60]
    now[0] = 61.0
    assert limiter.hit("203.0.113.9") is None


def test_the_mailbox_counter_never_shares_a_key_with_the_chat_counter() -> None:
    chat = ClientRateLimiter(30)
    guesses = ClientRateLimiter(10, total=100, scope="mailbox ")
    assert not {name for name, _ in chat.buckets("192.0.2.1")} & {
        name for name, _ in guesses.buckets("192.0.2.1")
    }
