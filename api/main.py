"""The gateway's app factory: ``uvicorn api.main:create_app --factory``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
import httpx
import redis.asyncio as aioredis
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from api.directory import load_emergency_contacts
from api.errors import body_error_handler, sessions_unavailable_handler, validation_error_handler
from api.escalation.consent import remember_handoff_request
from api.escalation.service import EscalationService
from api.log_setup import configure_logging
from api.mailbox.service import MailboxService
from api.middleware.body_limit import BodyLimit
from api.middleware.fallback_on_error import FallbackOnError
from api.middleware.mapped_client import MappedClient
from api.middleware.security_headers import SecurityHeaders
from api.rasa_client import RasaClient, probe_http, rasa_http
from api.rate_limit import PER_48_FACTOR, ClientRateLimiter
from api.routes import admin, chat, control, health, mailbox, ngo, page
from api.sessions import MemorySessionStore, RedisSessionStore, SessionStore, SessionsUnavailable
from api.settings import Settings, get_settings
from kakekomi_ngo.replies import MAX_REPLY_BODY_BYTES

logger = logging.getLogger("kakekomi.main")

# Expired sessions also vanish on access; the sweep only bounds memory between visits.
# (In Redis, sessions expire by their TTL.)
_MAX_SWEEP_SECONDS = 60.0
# Mailboxes past KAKEKOMI_MAILBOX_DAYS are already unreadable; this deletes their rows.
_MAILBOX_PURGE_SECONDS = 3600.0


async def _sweep_sessions(
    sessions: SessionStore, limiters: list[ClientRateLimiter], every: float
) -> None:
    while True:
        await anyio.sleep(every)
        purged = sessions.purge_expired() if isinstance(sessions, MemorySessionStore) else 0
        if purged:
            logger.debug("sessions.purged count=%d", purged)
        for limiter in limiters:
            limiter.purge()


async def _purge_mailboxes(mailboxes: MailboxService, every: float) -> None:
    while True:
        try:
            await mailboxes.purge()
        except Exception as error:  # a shared database out of reach: try again later
            logger.warning("mailbox.purge_failed error=%s", type(error).__name__)
        await anyio.sleep(every)


def _lifespan(
    transport: httpx.AsyncBaseTransport | None,
    ngo_transport: httpx.AsyncBaseTransport | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        app.state.contacts = contacts = load_emergency_contacts(settings.directory_path)
        app.state.assets = page.load_assets(settings.exit_url, contacts)
        idle_seconds = settings.session_idle_minutes * 60
        app.state.custom_handler = remember_handoff_request
        app.state.escalation = escalation = EscalationService(settings, transport=ngo_transport)
        await escalation.start()
        app.state.mailboxes = mailboxes = MailboxService(settings, escalation)
        await mailboxes.start()
        # Scale-out: one Redis connection pool for what several gateways share (or None).
        app.state.redis = redis = (
            None
            if settings.redis_url is None
            else aioredis.from_url(settings.redis_url.get_secret_value())
        )
        app.state.sessions = sessions = (
            MemorySessionStore(idle_seconds, max_sessions=settings.max_sessions)
            if redis is None
            else RedisSessionStore(redis, idle_seconds, max_sessions=settings.max_sessions)
        )
        # Messages and readiness probes each have their own client (a flood of probes never
        # takes a connection a message needs); a poisoned message pool is replaced.
        app.state.rasa = rasa = RasaClient.from_settings(
            rasa_http(settings, transport),
            settings,
            probe=probe_http(transport),
            renew=lambda: rasa_http(settings, transport),
        )
        limiter: ClientRateLimiter | None = getattr(app.state, "rate_limiter", None)
        if limiter is not None:
            limiter.share(redis)  # with Redis, every gateway counts against one limit
        guesses: ClientRateLimiter = app.state.mailbox_limiter
        guesses.share(redis)
        try:
            async with anyio.create_task_group() as tasks:
                every = min(idle_seconds, _MAX_SWEEP_SECONDS)
                counters = [guesses] if limiter is None else [limiter, guesses]
                tasks.start_soon(_sweep_sessions, sessions, counters, every)
                tasks.start_soon(_purge_mailboxes, mailboxes, _MAILBOX_PURGE_SECONDS)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            # Outside the cancelled task group: awaited in it, each of these would be
            # cancelled at once (never run) and would swallow any error raised while serving.
            await mailboxes.stop()
            await escalation.stop()
            if limiter is not None:
                limiter.share(None)
            guesses.share(None)
            if redis is not None:
                await redis.aclose()
            await rasa.aclose()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    rasa_transport: httpx.AsyncBaseTransport | None = None,
    ngo_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway; ``rasa_transport`` lets tests stand in for Rasa at the HTTP layer."""
    configure_logging()
    if settings is None:
        settings = get_settings()
    app = FastAPI(
        title="Kakekomi gateway",
        lifespan=_lifespan(rasa_transport, ngo_transport),
        # The schema stays on (it is fuzzed); the docs UI loads a CDN's scripts: when asked.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
    )
    # The lifespan and the routes read settings from app.state (api.deps.get_app_settings),
    # not through dependency_overrides: with any override set, FastAPI rebuilds every
    # dependency of every request (py-spy: about 5% of the gateway's time per message).
    app.state.settings = settings
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, body_error_handler)
    app.add_exception_handler(SessionsUnavailable, sessions_unavailable_handler)
    # The chat route counts messages once they are well-formed (api.rate_limit).
    app.state.rate_limiter = ClientRateLimiter(
        settings.rate_limit, per_48=settings.rate_limit_per_48
    )
    # Reply-code attempts: per client and from everyone together (api.routes.mailbox).
    app.state.mailbox_limiter = ClientRateLimiter(
        settings.mailbox_rate_limit,
        per_48=settings.mailbox_rate_limit * PER_48_FACTOR,
        total=settings.mailbox_rate_limit_total,
        scope="mailbox ",
    )
    # Outermost last: every answer, a 413 or 429 too, carries the security headers; any
    # crash inside becomes the fallback.
    app.add_middleware(FallbackOnError)
    app.add_middleware(
        BodyLimit,
        timeout=settings.request_body_timeout_seconds,
        larger={"/api/ngo/replies": MAX_REPLY_BODY_BYTES},
    )
    app.add_middleware(SecurityHeaders, docs_enabled=settings.api_docs)
    app.add_middleware(MappedClient)  # before anything reads the client's address
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(page.router)
    app.include_router(admin.router)
    app.include_router(control.router)
    app.include_router(mailbox.router)
    app.include_router(ngo.router)
    return app
