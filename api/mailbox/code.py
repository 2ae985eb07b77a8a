"""The reply code and what it derives: the mailbox id and her X25519 key pair.

The code is 16 random decimal digits (53.15 bits), shown as four groups of four: digits work
on every keyboard and in every language. It is never stored, logged or sent to Rasa; scrypt
(32 MiB, about 0.1 s) turns it into 64 bytes: the mailbox id is the first 16 (as hex), her
private key the last 32. Whoever holds the code can read the mailbox; a database without the
codes gives an attacker one scrypt per guess per mailbox.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import x25519

CODE_DIGITS: Final = 16
KDF_SALT: Final = b"kakekomi-mailbox-v2"
KDF_N: Final = 2**15
KDF_R: Final = 8
KDF_P: Final = 1
KDF_MAXMEM: Final = 64 * 1024 * 1024
KDF_LENGTH: Final = 64
# Spaces (any Unicode space, after NFKC) and hyphens people put between the groups.
_SEPARATORS: Final = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2212\u30fc")
# A code written with generous spacing is still far below this; longer input is not a code.
MAX_CODE_INPUT_CHARS: Final = 64


@dataclass(frozen=True, slots=True)
class MailboxKeys:
    """What a code gives: the mailbox id and her key pair."""

    mailbox: str
    private_key: x25519.X25519PrivateKey

    @property
    def public_key(self) -> x25519.X25519PublicKey:
        """Her public key, which the handoff carries to the NGO."""
        return self.private_key.public_key()


def new_code() -> str:
    """A fresh code: 16 random decimal digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def grouped(code: str) -> str:
    """The code as she sees it: ``1234 5678 9012 3456``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str) -> str | None:
    """Her typing as 16 ASCII digits (digits of any script; spaces, hyphens dropped), or None."""
    if len(raw) > MAX_CODE_INPUT_CHARS:
        return None
    digits = []
    for char in unicodedata.normalize("NFKC", raw):
        if char in _SEPARATORS or char.isspace():
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    return "".join(digits) if len(digits) == CODE_DIGITS else None


def derive(code: str) -> MailboxKeys:
    """scrypt(code) → mailbox id and private key; blocking (about 0.1 s, 32 MiB)."""
    okm = hashlib.scrypt(
        code.encode("ascii"),
        salt=KDF_SALT,
        n=KDF_N,
        r=KDF_R,
        p=KDF_P,
        maxmem=KDF_MAXMEM,
        dklen=KDF_LENGTH,
    )
    return MailboxKeys(
        mailbox=okm[:16].hex(),
        private_key=x25519.X25519PrivateKey.from_private_bytes(okm[32:64]),
    )
