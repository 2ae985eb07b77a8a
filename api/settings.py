"""Gateway settings, read from the environment (prefix ``KAKEKOMI_``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from api.escalation.settings import EscalationSettings
from kakekomi_common import env

# Computed, not read: no I/O happens at import time.
_REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRECTORY_PATH = _REPO_ROOT / "bot" / "directory.yml"
REDIS_SCHEMES = ("redis", "rediss")
SECRETS_DIR_VARIABLE = "KAKEKOMI_SECRETS_DIR"


class Settings(EscalationSettings):
    """Everything the gateway can be told through ``KAKEKOMI_*`` variables.

    The escalation fields (NGO URL and key, signing key, retry schedule, admin token,
    data_dir) come from ``EscalationSettings``.
    """

    # An error names the setting and what is wrong, never the value: it may hold a password.
    model_config = SettingsConfigDict(
        env_prefix="KAKEKOMI_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    host: str = env.DEFAULT_HOST
    port: int = Field(default=env.DEFAULT_PORT, ge=1, le=65535)
    # Rasa and the action server never face the internet: they listen on loopback only.
    rasa_host: str = env.DEFAULT_RASA_HOST
    rasa_port: int = Field(default=env.DEFAULT_RASA_PORT, ge=1, le=65535)
    actions_port: int = Field(default=env.DEFAULT_ACTIONS_PORT, ge=1, le=65535)
    session_idle_minutes: float = Field(default=env.DEFAULT_SESSION_IDLE_MINUTES, gt=0)
    # Conversations kept at once (each about 9 KiB at most); past it a new one gets the
    # emergency numbers (503) until some expire. Counted in Redis when sessions live there.
    max_sessions: int = Field(default=20_000, ge=1)
    rasa_timeout_seconds: float = Field(default=10.0, gt=0)
    directory_path: Path = DEFAULT_DIRECTORY_PATH
    environment: Literal["development", "production"] = "development"
    # Messages per minute per client (``KAKEKOMI_RATE_LIMIT``), counted in this process's
    # memory, or in Redis with ``redis_url`` so that every gateway counts together.
    rate_limit: int = Field(default=30, ge=1)
    # New conversations per minute from one IPv6 /48 (a site's 65,536 /64s) together.
    rate_limit_per_48: int = Field(default=240, ge=1)
    # Reply-code attempts (open, answer, forget a mailbox) per minute: per client (an IPv4
    # address, an IPv6 /64), and from everyone together; each costs a 32 MiB scrypt.
    mailbox_rate_limit: int = Field(default=10, ge=1)
    mailbox_rate_limit_total: int = Field(default=120, ge=1)
    # At most this many messages wait on Rasa at once; a hung Rasa then costs the others
    # a short wait and the emergency numbers, never a hung request. A message waits up to
    # rasa_queue_seconds for a place: 5 s lets 50 conversations at once on one 2-core
    # machine all get answers (make bench: about 1.7 s at worst) instead of the numbers.
    rasa_max_concurrency: int = Field(default=16, ge=1)
    rasa_queue_seconds: float = Field(default=5.0, ge=0)
    # A client that starts a request body and never finishes it is cut off.
    request_body_timeout_seconds: float = Field(default=10.0, gt=0)
    # Set by kakekomi_stack, random per run: lets it move the gateway to a new Rasa process
    # (a model swap) through POST /api/control/rasa, from loopback only. Unset: no such route.
    control_token: SecretStr | None = None
    # Scale-out (docs/deploy.md): with a Redis URL, several gateways share their sessions
    # and rate limits there. That Redis must keep everything in memory only (no RDB, no AOF).
    redis_url: SecretStr | None = None
    # Where the quick exit goes: a site nobody would wonder about.
    exit_url: str = "https://www.google.com/"
    # FastAPI's docs page (/docs) runs Swagger's scripts from a CDN on the chat's own origin,
    # without the page's CSP: only when a developer asks for it, never in production.
    api_docs: bool = False

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_redis_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and urlsplit(value.get_secret_value()).scheme not in REDIS_SCHEMES:
            raise ValueError("KAKEKOMI_REDIS_URL must be a redis:// or rediss:// URL")
        return value

    @field_validator("exit_url")
    @classmethod
    def _check_exit_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
            raise ValueError("KAKEKOMI_EXIT_URL must be an https URL without credentials")
        if any(char in value for char in "\"<>'` ") or not value.isprintable():
            raise ValueError("KAKEKOMI_EXIT_URL must be a plain URL")
        return value

    @model_validator(mode="after")
    def _no_docs_in_production(self) -> Settings:
        if self.api_docs and self.environment == "production":
            raise ValueError("KAKEKOMI_API_DOCS is for development; never set it in production")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once.

    Secrets may instead be files in the folder ``KAKEKOMI_SECRETS_DIR`` names (containers:
    ``/run/secrets``), each named like its variable (``kakekomi_admin_token``,
    ``kakekomi_outbox_url``, ``kakekomi_redis_url``), so they never sit in the environment;
    a variable that is set wins over its file.
    """
    secrets_dir = os.environ.get(SECRETS_DIR_VARIABLE) or None
    return Settings(_secrets_dir=secrets_dir)  # type: ignore[call-arg]
