"""What every mailbox store offers, SQLite or PostgreSQL, and the rows it gives back.

A mailbox row holds its id and the minute of its last message; a message row its mailbox,
its random id, who sent it, the ciphertext as sealed to her key, and its minute. Nothing
else: no plaintext, no code, nothing that links a mailbox to a conversation or an address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Protocol

Sender = Literal["ngo", "you"]


class Added(Enum):
    """What adding a message did."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # this id is already stored: idempotent
    NO_MAILBOX = "no_mailbox"  # unknown, expired or forgotten


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message as the database holds it: sealed."""

    id: str
    sender: Sender
    ciphertext: bytes


class MailboxStore(Protocol):
    """The mailbox tables beside the outbox (``SqliteMailboxes``, ``PostgresMailboxes``)."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def create(self, mailbox: str, now: float) -> None: ...
    async def add(
        self,
        mailbox: str,
        message_id: str,
        sender: Sender,
        ciphertext: bytes,
        now: float,
        cutoff: float,
    ) -> Added: ...
    async def messages(self, mailbox: str, cutoff: float) -> list[StoredMessage] | None: ...
    async def delete(self, mailbox: str) -> bool: ...
    async def purge(self, cutoff: float) -> int: ...


def minute(now: float) -> int:
    """A time as the tables keep it: Unix seconds, down to the minute."""
    return math.floor(now / 60) * 60
