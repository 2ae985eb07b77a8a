"""Where escalations go and how hard we try: ``KAKEKOMI_*`` settings of the outbox."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kakekomi_common import env

# Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) stretched with two
# daily attempts so that an NGO server that is down over a long weekend still gets it:
# 10 attempts over about 75 hours.
DEFAULT_RETRY_SCHEDULE: Final = (
    5.0,
    300.0,
    1800.0,
    7200.0,
    18000.0,
    36000.0,
    36000.0,
    86400.0,
    86400.0,
)
SIGNING_KEY_NAME: Final = "signing-key.pem"
MIN_ADMIN_TOKEN_LENGTH: Final = 16


def is_loopback_host(host: str) -> bool:
    """Whether a URL host names this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_ngo_url(url: str) -> str:
    """Accept https URLs, and http only to a loopback address (for local testing)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError("KAKEKOMI_NGO_URL must be an absolute URL with a host")
    if parts.username or parts.password:
        raise ValueError("KAKEKOMI_NGO_URL must not carry credentials")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return url
    raise ValueError("KAKEKOMI_NGO_URL must be https (http is allowed only to loopback)")


class EscalationSettings(BaseSettings):
    """Outbox and delivery settings; a plain field list, to fold into the gateway's Settings."""

    # An error names the setting and what is wrong, never the value: it may hold a password.
    model_config = SettingsConfigDict(
        env_prefix="KAKEKOMI_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    ngo_url: str | None = None
    ngo_public_key: Path | None = None
    # Our Ed25519 signing key; None means <data_dir>/signing-key.pem.
    signing_key: Path | None = None
    retry_schedule: Annotated[tuple[float, ...], NoDecode] = DEFAULT_RETRY_SCHEDULE
    admin_token: SecretStr | None = None
    data_dir: Path = Path(env.DEFAULT_DATA_DIR)
    delivery_timeout: float = Field(default=15.0, gt=0)
    # The NGO's Ed25519 public key (PEM, from kakekomi-ngo keygen): replies to her mailbox
    # must be signed with its private half. Unset: /api/ngo/replies answers 503.
    ngo_signing_public_key: Path | None = None
    # A mailbox (a reply code's) is deleted this many days after its last message.
    mailbox_days: int = Field(default=30, ge=1, le=3650)
    # A postgresql:// URL puts the outbox in PostgreSQL, shared by several gateways; unset,
    # it is the SQLite file in data_dir.
    outbox_url: SecretStr | None = None

    @field_validator(
        "ngo_url",
        "ngo_public_key",
        "ngo_signing_public_key",
        "signing_key",
        "admin_token",
        "outbox_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("ngo_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return None if value is None else check_ngo_url(value)

    @field_validator("outbox_url")
    @classmethod
    def _check_outbox_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value()
        if urlsplit(url).scheme not in ("postgresql", "postgres"):
            raise ValueError("KAKEKOMI_OUTBOX_URL must be a postgresql:// URL (or unset: SQLite)")
        # Read here, as the pool will: libpq's own errors quote the URI, password and all.
        from psycopg import Error, conninfo

        try:
            conninfo.conninfo_to_dict(url)
        except Error:
            raise ValueError(
                "KAKEKOMI_OUTBOX_URL is not a URL PostgreSQL can read (check brackets, "
                "percent-encoding and query options)"
            ) from None
        return value

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            try:
                return tuple(float(item) for item in items)
            except ValueError as exc:
                raise ValueError("KAKEKOMI_RETRY_SCHEDULE: comma-separated seconds") from exc
        return value

    @field_validator("retry_schedule")
    @classmethod
    def _check_schedule(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(step < 0 for step in value):
            raise ValueError("KAKEKOMI_RETRY_SCHEDULE: seconds must not be negative")
        return value

    @field_validator("admin_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"KAKEKOMI_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} chars"
            )
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> EscalationSettings:
        if (self.ngo_url is None) != (self.ngo_public_key is None):
            raise ValueError("set both KAKEKOMI_NGO_URL and KAKEKOMI_NGO_PUBLIC_KEY, or neither")
        return self


def signing_key_path(settings: EscalationSettings) -> Path:
    """The signing key file: KAKEKOMI_SIGNING_KEY, else <data_dir>/signing-key.pem."""
    return settings.signing_key or settings.data_dir / SIGNING_KEY_NAME
