"""FastAPI dependencies that hand routes what the lifespan created, and their typed aliases.

A route names what it needs by alias (``rasa: RasaDep``), as FastAPI's full-stack template
does. All async: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per
dependency per message (py-spy: about a fifth of the gateway's time per message).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.directory import EmergencyContact
from api.escalation.service import EscalationService
from api.hooks import CustomHandler
from api.mailbox.service import MailboxService
from api.rasa_client import RasaClient
from api.rate_limit import ClientRateLimiter
from api.sessions import SessionStore
from api.settings import Settings


async def get_app_settings(request: Request) -> Settings:
    """Return the settings this app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_rasa(request: Request) -> RasaClient:
    """Return the app's Rasa client."""
    rasa: RasaClient = request.app.state.rasa
    return rasa


async def get_sessions(request: Request) -> SessionStore:
    """Return the app's session store (in memory, or in Redis to scale out)."""
    sessions: SessionStore = request.app.state.sessions
    return sessions


async def get_contacts(request: Request) -> tuple[EmergencyContact, ...]:
    """Return the emergency contacts loaded from the directory."""
    contacts: tuple[EmergencyContact, ...] = request.app.state.contacts
    return contacts


async def get_custom_handler(request: Request) -> CustomHandler:
    """Return the hook that receives Rasa's custom payloads."""
    handler: CustomHandler = request.app.state.custom_handler
    return handler


async def get_rate_limiter(request: Request) -> ClientRateLimiter:
    """Return the app's message counter."""
    limiter: ClientRateLimiter = request.app.state.rate_limiter
    return limiter


async def get_escalation_service(request: Request) -> EscalationService:
    """Return the escalation service (encrypt, queue, deliver to the NGO)."""
    service: EscalationService = request.app.state.escalation
    return service


async def get_mailboxes(request: Request) -> MailboxService:
    """Return the mailbox service (reply codes, the NGO's replies)."""
    service: MailboxService = request.app.state.mailboxes
    return service


async def get_mailbox_limiter(request: Request) -> ClientRateLimiter:
    """Return the counter of reply-code attempts."""
    limiter: ClientRateLimiter = request.app.state.mailbox_limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
SessionsDep = Annotated[SessionStore, Depends(get_sessions)]
ContactsDep = Annotated[tuple[EmergencyContact, ...], Depends(get_contacts)]
CustomHandlerDep = Annotated[CustomHandler, Depends(get_custom_handler)]
EscalationDep = Annotated[EscalationService, Depends(get_escalation_service)]
RateLimiterDep = Annotated[ClientRateLimiter, Depends(get_rate_limiter)]
MailboxesDep = Annotated[MailboxService, Depends(get_mailboxes)]
MailboxLimiterDep = Annotated[ClientRateLimiter, Depends(get_mailbox_limiter)]
