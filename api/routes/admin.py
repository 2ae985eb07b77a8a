"""Operator routes: outbox figures without content, for loopback callers or a bearer token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from api.escalation.service import (
    EscalationService,
    EscalationUnavailable,
    get_escalation_service,
)
from api.escalation.settings import is_loopback_host

router = APIRouter(tags=["admin"])

# A request relayed by a proxy on this machine arrives from loopback: don't trust it as local.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class OutboxFigures(BaseModel):
    """Outbox counts and the oldest undelivered age in seconds; never any content."""

    configured: bool
    queued: int
    retrying: int
    delivered: int
    dead: int
    oldest_undelivered_age_seconds: float | None


def is_local_request(request: Request) -> bool:
    """True for a caller on this machine whose request no local proxy relayed."""
    if request.client is None or not is_loopback_host(request.client.host):
        return False
    return not any(name in request.headers for name in _FORWARDING_HEADERS)


def has_admin_token(request: Request, service: EscalationService) -> bool:
    """True when the request carries the admin token as a bearer token."""
    token = service.settings.admin_token
    if token is None:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())


def require_operator(
    request: Request,
    service: Annotated[EscalationService, Depends(get_escalation_service)],
) -> None:
    """Allow loopback callers (not relayed by a proxy) and holders of the admin token."""
    if not (is_local_request(request) or has_admin_token(request, service)):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="operators only: call from this machine or send the admin token",
        )


@router.get("/api/admin/outbox", dependencies=[Depends(require_operator)])
async def outbox_stats(
    service: Annotated[EscalationService, Depends(get_escalation_service)],
) -> OutboxFigures:
    """Queued, retrying, delivered and dead counts and the oldest undelivered age; no content."""
    try:
        figures = await service.stats()
    except EscalationUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "outbox not open") from exc
    return OutboxFigures(**figures)
