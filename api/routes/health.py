"""``/healthz`` (the process is alive) and ``/readyz`` (Rasa and the action server answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import get_rasa
from api.rasa_client import RasaClient
from api.schemas import Status

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Status)
async def healthz() -> Status:
    """Answer while the gateway process is alive."""
    return Status(status="ok")


@router.get(
    "/readyz",
    response_model=Status,
    responses={503: {"model": Status, "description": "Rasa or the action server is not up"}},
)
async def readyz(rasa: Annotated[RasaClient, Depends(get_rasa)]) -> Status | JSONResponse:
    """Answer 200 only when Rasa, its REST channel and the action server all answer."""
    if await rasa.ready():
        return Status(status="ready")
    return JSONResponse(status_code=503, content={"status": "not ready"})
