"""Operator routes: outbox figures without content, for loopback callers or a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status

from api.access import is_operator
from api.deps import EscalationDep
from api.escalation.service import EscalationFigures, EscalationUnavailable

router = APIRouter(tags=["admin"])


def require_operator(request: Request, service: EscalationDep) -> None:
    """Allow loopback callers (not relayed by a proxy) and holders of the admin token."""
    if not is_operator(request, service.settings.admin_token):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="operators only: call from this machine or send the admin token",
        )


@router.get("/api/admin/outbox", dependencies=[Depends(require_operator)])
async def outbox_stats(service: EscalationDep) -> EscalationFigures:
    """Queued, retrying, delivered and dead counts and the oldest undelivered age; no content."""
    try:
        return await service.stats()
    except EscalationUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "outbox not open") from exc
