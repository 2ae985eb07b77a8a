"""``POST /api/control/rasa``: the stack supervisor moves the gateway to a new Rasa process.

Used by kakekomi_stack during a model swap, never by a person: it answers only a caller
on this machine (not relayed by a proxy) holding the per-run token that the supervisor gave
the gateway in ``KAKEKOMI_CONTROL_TOKEN``. Anyone else, and everyone when no token is set,
gets a 404. Rasa's host stays the configured loopback address; only the port moves.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from api.access import has_bearer_token, is_local_request
from api.deps import RasaDep, SettingsDep

logger = logging.getLogger("kakekomi.control")
router = APIRouter(include_in_schema=False)


class RasaSwitch(BaseModel):
    """The port of the Rasa process that takes the new messages."""

    port: int = Field(ge=1, le=65535)


class Switched(BaseModel):
    """Where new messages go, and whether the old Rasa finished those it had."""

    port: int
    drained: bool


def require_supervisor(request: Request, settings: SettingsDep) -> None:
    """Allow only a local caller with the per-run control token; 404 for anyone else."""
    if not (is_local_request(request) and has_bearer_token(request, settings.control_token)):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Not Found")


@router.post("/api/control/rasa", dependencies=[Depends(require_supervisor)])
async def switch_rasa(body: RasaSwitch, rasa: RasaDep) -> Switched:
    """Send new messages to Rasa on ``port``; answer once the old one has none in flight."""
    old = rasa.rasa_port
    drained = await rasa.switch(body.port)
    logger.info("rasa.switched from=%d to=%d drained=%s", old, body.port, drained)
    return Switched(port=body.port, drained=drained)
