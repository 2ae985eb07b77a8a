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
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from kakekomi_bot.tracker_store import record_exp_seconds
from kakekomi_common.redis_keys import FORGOTTEN_PREFIX

SCHEMES = {"redis": False, "rediss": True}
# Saves the conversation (ARGV: serialised tracker, expiry seconds or 0) unless the gateway
# marked it forgotten (the quick exit): a message Rasa was still answering then must not save
# her conversation again after the gateway deleted it.
_SAVE_UNLESS_FORGOTTEN = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if tonumber(ARGV[2]) > 0 then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
    redis.call('SET', KEYS[1], ARGV[1])
end
return 1
"""


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
    """Rasa's RedisTrackerStore; every save renews the conversation's expiry (`record_exp`).

    A conversation the gateway forgot (the quick exit) is never saved again.
    """

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
        self._save_script = self.red.register_script(_SAVE_UNLESS_FORGOTTEN)

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        """Rasa's save (merged with what is stored), skipped if the gateway forgot it."""
        await self.stream_events(tracker)
        if not timeout and self.record_exp:
            timeout = self.record_exp
        key = self.key_prefix + tracker.sender_id
        stored = self.red.get(key)
        if stored is not None:
            prior = self.deserialise_tracker(tracker.sender_id, stored)
            tracker = self._merge_trackers(prior, tracker)
        self._save_script(
            keys=[key, FORGOTTEN_PREFIX + tracker.sender_id],
            args=[self.serialise_tracker(tracker), int(timeout or 0)],
        )


class RedisUrlLockStore(RedisLockStore):
    """Rasa's RedisLockStore on the same Redis (its keys start with `lock:`)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Rasa builds custom lock stores from the endpoint config alone."""
        super().__init__(**redis_options(endpoint_config.url))
