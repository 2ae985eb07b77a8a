"""``/healthz`` (the process is alive) and ``/readyz`` (Rasa and the action server answer).

``/readyz`` is cheap whoever calls it and however often: the answer is shared for a couple
of seconds (``RasaClient.checks``). Which part is down is told only to an operator.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import get_rasa
from api.escalation.service import EscalationService, get_escalation_service
from api.rasa_client import RasaClient
from api.routes.admin import has_admin_token, is_local_request
from api.schemas import Status

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Ready or not; for an operator (loopback or the admin token), which part answers."""

    status: Literal["ready", "not ready"]
    checks: dict[str, bool] | None = None


@router.get("/healthz", response_model=Status)
async def healthz() -> Status:
    """Answer while the gateway process is alive."""
    return Status(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    response_model_exclude_none=True,
    responses={503: {"model": Readiness, "description": "Rasa or the action server is not up"}},
)
async def readyz(
    request: Request,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    escalation: Annotated[EscalationService, Depends(get_escalation_service)],
) -> Readiness | JSONResponse:
    """Answer 200 only when Rasa, its REST channel and the action server all answer."""
    checks = await rasa.checks()
    operator = is_local_request(request) or has_admin_token(request, escalation)
    answer = Readiness(
        status="ready" if all(checks.values()) else "not ready",
        checks=checks if operator else None,
    )
    if answer.status == "ready":
        return answer
    return JSONResponse(status_code=503, content=answer.model_dump(exclude_none=True))
