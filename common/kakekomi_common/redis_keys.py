"""The Redis keys of Rasa's conversations, which the gateway, the stack and Rasa's store share."""

from __future__ import annotations

from typing import Final

# Rasa's RedisTrackerStore keeps a conversation under this prefix (its default `key_prefix`)
# and the sender id, which is the gateway's session id.
TRACKER_PREFIX: Final = "tracker:"
# Set by the gateway at the quick exit, for as long as a message can still be with Rasa:
# Rasa's store (bot/kakekomi_bot/redis_stores.py) never saves a conversation marked so.
FORGOTTEN_PREFIX: Final = "tracker-forgotten:"
