"""One real Redis and one real PostgreSQL per test session, each test on a clean slate."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
import redis
from psycopg import sql

from tests.live_engines import Engine, running_postgres, running_redis


@pytest.fixture(scope="session")
def redis_engine() -> Iterator[Engine]:
    with running_redis() as engine:
        yield engine


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    with running_postgres() as engine:
        yield engine


@pytest.fixture
def redis_url(redis_engine: Engine) -> Iterator[str]:
    """The session's Redis, emptied before and after the test."""
    with redis.Redis(port=redis_engine.port) as client:
        client.flushall()
        yield redis_engine.url
        client.flushall()


@pytest.fixture
def postgres_url(postgres_engine: Engine) -> Iterator[str]:
    """A new empty database on the session's PostgreSQL, dropped after the test."""
    database = f"test_{secrets.token_hex(6)}"
    name = sql.Identifier(database)
    with psycopg.connect(postgres_engine.url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        try:
            yield f"{postgres_engine.url.rsplit('/', 1)[0]}/{database}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
