"""``/healthz`` (the process is alive) and ``/readyz`` (Rasa and the action server answer).

``/readyz`` is cheap whoever calls it and however often: the answer is shared for a couple
of seconds (``RasaClient.checks``). Which part is down is told only to an operator.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.access import is_operator
from api.deps import EscalationDep, RasaDep
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
    request: Request, rasa: RasaDep, escalation: EscalationDep
) -> Readiness | JSONResponse:
    """Answer 200 only when Rasa, its REST channel and the action server all answer."""
    checks = await rasa.checks()
    operator = is_operator(request, escalation.settings.admin_token)
    answer = Readiness(
        status="ready" if all(checks.values()) else "not ready",
        checks=checks if operator else None,
    )
    if answer.status == "ready":
        return answer
    return JSONResponse(status_code=503, content=answer.model_dump(exclude_none=True))
