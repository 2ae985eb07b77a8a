"""Rasa's own Redis tracker and lock stores, configured by one URL (bot/endpoints-redis.yml).

With these, several Rasa processes serve the same conversations: the tracker lives in Redis
(expiring after `record_exp` idle seconds) and Redis's ticket locks keep one conversation's
messages in order whichever process takes them. The Redis server must keep its data in
memory only (no RDB snapshots, no AOF): see docs/deploy.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.brokers.broker import EventBroker
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from kakekomi_bot.tracker_store import record_exp_seconds

SCHEMES = {"redis": False, "rediss": True}


def redis_options(url: str | None) -> dict[str, Any]:
    """Rasa's keyword arguments for a redis:// or rediss:// URL (host, port, db, auth, TLS)."""
    parts = urlsplit(url or "")
    if parts.scheme not in SCHEMES or not parts.hostname:
        # Never echo the URL: it may carry a password.
        raise ValueError("KAKEKOMI_REDIS_URL must look like redis://[:password@]host[:port][/db]")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise ValueError("the database in KAKEKOMI_REDIS_URL must be a number")
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(db or 0),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": SCHEMES[parts.scheme],
    }


class RedisUrlTrackerStore(RedisTrackerStore):
    """Rasa's RedisTrackerStore; every save renews the conversation's expiry (`record_exp`)."""

    def __init__(
        self,
        domain: Domain,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        record_exp: Any = None,
        **kwargs: Any,
    ) -> None:
        """Rasa passes the endpoint's `url` as `host`; `record_exp` comes as a string."""
        super().__init__(
            domain,
            event_broker=event_broker,
            record_exp=int(record_exp_seconds(record_exp)),
            **redis_options(host),
            **kwargs,
        )


class RedisUrlLockStore(RedisLockStore):
    """Rasa's RedisLockStore on the same Redis (its keys start with `lock:`)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Rasa builds custom lock stores from the endpoint config alone."""
        super().__init__(**redis_options(endpoint_config.url))
