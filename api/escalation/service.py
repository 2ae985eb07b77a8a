"""The gateway's handle on escalation: encrypt, enqueue, deliver in the background, report."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from api.escalation.delivery import DeliveryWorker, make_client
from api.escalation.outbox import OutboxFigures, make_outbox
from api.escalation.settings import EscalationSettings, signing_key_path
from kakekomi_ngo.keys import (
    NgoPublicKey,
    fingerprint,
    load_ngo_public_key,
    load_or_create_signing_key,
)
from kakekomi_ngo.protocol import encrypt_handoff, is_valid_id

log = logging.getLogger("kakekomi.escalation")


class EscalationUnavailable(RuntimeError):
    """No NGO is configured (or the service is not started): nothing can be sent."""


class EscalationFigures(OutboxFigures):
    """What /api/admin/outbox shows: whether an NGO is configured, and the outbox figures."""

    configured: bool


class EscalationService:
    """Encrypts consented handoffs to the NGO, keeps them in the outbox, delivers them."""

    def __init__(
        self,
        settings: EscalationSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._outbox = make_outbox(settings)
        self._public_key: NgoPublicKey | None = None
        self._client: httpx.AsyncClient | None = None
        self._worker: DeliveryWorker | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = False

    @property
    def configured(self) -> bool:
        """Whether an NGO URL and public key are set."""
        return self.settings.ngo_url is not None and self.settings.ngo_public_key is not None

    async def start(self) -> None:
        """Load the keys, open the outbox, start the delivery worker (lifespan startup)."""
        if self._started:
            return
        url, key_path = self.settings.ngo_url, self.settings.ngo_public_key
        if url is None or key_path is None:
            await self._outbox.open()
            self._started = True
            log.warning(
                "escalation.unconfigured: KAKEKOMI_NGO_URL / KAKEKOMI_NGO_PUBLIC_KEY are not set;"
                " escalations cannot be delivered"
            )
            return
        # Misconfiguration (a missing or wrong key file) fails here, loudly, before serving.
        public_key = await asyncio.to_thread(load_ngo_public_key, key_path)
        signing_key = await asyncio.to_thread(
            load_or_create_signing_key, signing_key_path(self.settings)
        )
        await self._outbox.open()
        self._public_key = public_key
        self._client = make_client(self.settings.delivery_timeout, self._transport)
        self._worker = DeliveryWorker(
            outbox=self._outbox,
            client=self._client,
            url=url,
            signing_key=signing_key,
            schedule=self.settings.retry_schedule,
            timeout=self.settings.delivery_timeout,
        )
        self._task = asyncio.create_task(self._worker.run(), name="escalation-delivery")
        self._started = True
        log.info(
            "escalation.ready ngo_key=%s signing_key=%s",
            fingerprint(public_key),
            fingerprint(signing_key.public_key()),
        )

    async def stop(self) -> None:
        """Stop the worker and close the outbox (lifespan shutdown); queued rows stay."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._worker = None
        self._public_key = None
        await self._outbox.close()
        self._started = False

    async def submit(self, handoff: Mapping[str, Any]) -> str:
        """Encrypt a handoff in memory, commit it to the outbox, return its id."""
        if self._public_key is None or self._worker is None:
            raise EscalationUnavailable(
                "escalations cannot be delivered: no NGO configured or service not started"
            )
        handoff_id = handoff.get("id")
        if not isinstance(handoff_id, str) or not is_valid_id(handoff_id):
            raise ValueError("a handoff needs an id of [A-Za-z0-9_-]")
        body = encrypt_handoff(handoff, self._public_key)
        await self._outbox.enqueue(handoff_id, body)
        self._worker.wake()
        log.info("escalation.queued id=%s", handoff_id)
        return handoff_id

    async def stats(self) -> EscalationFigures:
        """Outbox counts and the age of the oldest undelivered escalation."""
        if not self._started:
            raise EscalationUnavailable("the escalation service is not started")
        try:
            figures = await self._outbox.stats()
        except Exception as exc:  # a shared database that is down or unreachable
            log.warning("escalation.outbox_unreadable error=%s", type(exc).__name__)
            raise EscalationUnavailable("the outbox cannot be read") from exc
        return EscalationFigures(configured=self.configured, **figures)
