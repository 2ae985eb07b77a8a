"""The escalation outbox: encrypted handoffs waiting for delivery, in SQLite or PostgreSQL.

``protocol`` says what every outbox offers (``OutboxStore``) and the figures it reports;
``sqlite`` keeps one file in the data folder; ``postgres`` is shared by several gateways.
"""

from __future__ import annotations

from api.escalation.outbox.protocol import Claimed, OutboxFigures, OutboxStore
from api.escalation.outbox.sqlite import OUTBOX_NAME, SqliteOutbox
from api.escalation.settings import EscalationSettings

__all__ = [
    "OUTBOX_NAME",
    "Claimed",
    "OutboxFigures",
    "OutboxStore",
    "SqliteOutbox",
    "make_outbox",
]


def make_outbox(settings: EscalationSettings) -> OutboxStore:
    """PostgreSQL when ``KAKEKOMI_OUTBOX_URL`` is set (several gateways share it), else SQLite."""
    if settings.outbox_url is None:
        return SqliteOutbox(settings.data_dir)
    from api.escalation.outbox.postgres import PostgresOutbox  # psycopg loads only if used

    return PostgresOutbox(settings.outbox_url.get_secret_value())
