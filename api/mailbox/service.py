"""The gateway's handle on mailboxes: make one for a handoff, store the NGO's replies, and
open, answer or forget one with her code.

Every plaintext exists only in memory for the one request that needs it: a reply is opened
with the key her code gives and returned to her; her answer is sealed to her own key before
it is stored, and sent to the NGO as a follow-up handoff through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ed25519

from api.escalation.handoff import build_handoff
from api.escalation.service import EscalationService
from api.escalation.settings import EscalationSettings
from api.mailbox.code import MailboxKeys, derive, new_code
from api.mailbox.store import Added, MailboxStore, Sender
from kakekomi_ngo.keys import fingerprint, load_signing_public_key
from kakekomi_ngo.protocol import MalformedRequest
from kakekomi_ngo.replies import (
    ReplyTarget,
    encode_public_key,
    new_message_id,
    open_message,
    seal_message,
)

log = logging.getLogger("kakekomi.mailbox")

# scrypt runs at most this many at once (32 MiB each), off the event loop.
KDF_CONCURRENCY: Final = 2
_DAY_SECONDS: Final = 86_400


@dataclass(frozen=True, slots=True)
class Shown:
    """One message as she reads it."""

    sender: Sender
    text: str
    sent_at: str


class NoSigningKey(RuntimeError):
    """No NGO signing key is configured: no reply can be accepted."""


def make_store(settings: EscalationSettings) -> MailboxStore:
    """The mailbox tables beside the outbox: PostgreSQL if ``KAKEKOMI_OUTBOX_URL``, else SQLite."""
    if settings.outbox_url is None:
        from api.mailbox.sqlite import SqliteMailboxes

        return SqliteMailboxes(settings.data_dir)
    from api.mailbox.postgres import PostgresMailboxes  # psycopg loads only if used

    return PostgresMailboxes(settings.outbox_url.get_secret_value())


def target_of(keys: MailboxKeys) -> ReplyTarget:
    """The handoff's ``reply`` member for this mailbox."""
    return ReplyTarget(mailbox=keys.mailbox, public_key=encode_public_key(keys.public_key))


class MailboxService:
    """Mailboxes in the outbox's database; replies sealed to her, opened only with her code."""

    def __init__(
        self,
        settings: EscalationSettings,
        escalation: EscalationService,
        *,
        store: MailboxStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._escalation = escalation
        self._store = store or make_store(settings)
        self._clock = clock
        self._kdf = asyncio.Semaphore(KDF_CONCURRENCY)
        self.ngo_key: ed25519.Ed25519PublicKey | None = None

    async def start(self) -> None:
        """Load the NGO's signing key (a wrong file fails here, loudly), open the tables."""
        path = self._settings.ngo_signing_public_key
        if path is not None:
            self.ngo_key = await asyncio.to_thread(load_signing_public_key, path)
            log.info("mailbox.ready ngo_signing_key=%s", fingerprint(self.ngo_key))
        await self._store.open()

    async def stop(self) -> None:
        """Close the tables."""
        await self._store.close()

    def _cutoff(self) -> float:
        return self._clock() - self._settings.mailbox_days * _DAY_SECONDS

    async def keys_for(self, code: str) -> MailboxKeys:
        """Derive a code's keys off the event loop, a few at a time."""
        async with self._kdf:
            return await asyncio.to_thread(derive, code)

    async def new_mailbox(self) -> tuple[str, MailboxKeys]:
        """A fresh code and its empty mailbox (for a handoff she is about to send)."""
        code = new_code()
        keys = await self.keys_for(code)
        await self._store.create(keys.mailbox, self._clock())
        return code, keys

    async def discard(self, keys: MailboxKeys) -> None:
        """Drop a mailbox whose handoff could not be queued."""
        await self._store.delete(keys.mailbox)

    async def read(self, keys: MailboxKeys) -> list[Shown] | None:
        """Her messages, opened in memory, oldest first; None for an unknown or expired code."""
        stored = await self._store.messages(keys.mailbox, self._cutoff())
        if stored is None:
            return None
        shown = []
        for message in stored:
            try:
                opened = open_message(
                    message.ciphertext, keys.private_key, keys.mailbox, message.id
                )
            except MalformedRequest:
                # Sealed wrongly by the NGO's software: she cannot read it; the rest she can.
                log.warning("mailbox.unreadable_message")
                continue
            shown.append(Shown(message.sender, opened["text"], opened["sent_at"]))
        return shown

    async def answer(self, keys: MailboxKeys, text: str, language: str) -> bool:
        """Queue her answer to the NGO (a follow-up handoff), keep a sealed copy for her.

        False for an unknown or expired code. Raises EscalationUnavailable when no NGO is
        configured. The follow-up is committed to the outbox first: it is never lost.
        """
        if await self._store.messages(keys.mailbox, self._cutoff()) is None:
            return False
        target = target_of(keys)
        handoff = build_handoff(
            language=language,
            urgency="normal",
            topics=[],
            words=[text],
            reply=target,
            kind="follow_up",
        )
        await self._escalation.submit(handoff)
        # Her copy gets an id of its own: the follow-up's id appears in the outbox's log
        # lines (to the second), and must not date a row of her mailbox.
        copy_id = new_message_id()
        sealed = seal_message(keys.public_key, keys.mailbox, copy_id, text)
        await self._store.add(keys.mailbox, copy_id, "you", sealed, self._clock(), self._cutoff())
        return True

    async def forget(self, keys: MailboxKeys) -> bool:
        """Delete her mailbox and every message at once; False if there was none."""
        return await self._store.delete(keys.mailbox)

    async def store_reply(self, message_id: str, mailbox: str, sealed: bytes) -> Added:
        """Keep an NGO reply as received (its signature already checked)."""
        if self.ngo_key is None:
            raise NoSigningKey("KAKEKOMI_NGO_SIGNING_PUBLIC_KEY is not set")
        return await self._store.add(
            mailbox, message_id, "ngo", sealed, self._clock(), self._cutoff()
        )

    async def purge(self) -> int:
        """Delete mailboxes past their days; returns how many."""
        return await self._store.purge(self._cutoff())
