"""Nothing a person typed, her address or her session id ever reaches a log line."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from api.deps import get_custom_handler
from api.sessions import Session

if TYPE_CHECKING:
    from tests.api.conftest import FakeRasa

pytestmark = pytest.mark.anyio

CANARY = "CANARY-7f3a-kinuha-passport"
CLIENT_IP = "203.0.113.7"  # the address the test client connects from (conftest)


def _everything_logged(records: list[logging.LogRecord]) -> str:
    parts = []
    for record in records:
        parts += [record.getMessage(), repr(record.args), record.name]
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


async def test_a_canary_typed_in_the_chat_appears_in_no_log_record(
    client: httpx.AsyncClient,
    app: FastAPI,
    rasa: FakeRasa,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sessions: list[str] = []
    error_bodies: list[str] = []

    async def say(text: str, **extra: Any) -> None:
        response = await client.post("/api/chat", json={"text": text, **extra})
        if response.status_code != 200:  # the fake bot echoes; errors must not
            error_bodies.append(response.text)
        if response.status_code in (200, 503):
            sessions.append(response.json()["session"])

    await say(f"hello {CANARY}")
    await say(f"kinuha ng boss ko yung passport ko {CANARY}", session=sessions[-1])

    def refuse(body: dict[str, Any]) -> httpx.Response:
        raise httpx.ConnectError(f"refused {body['message']}")

    rasa.reply = refuse
    await say(f"necesito ayuda {CANARY}")
    rasa.reply = lambda body: httpx.Response(500, text=body["message"])
    await say(f"ช่วยด้วย {CANARY}")
    rasa.reply = lambda body: httpx.Response(200, text=f"<html>{body['message']}")
    await say(CANARY)

    def broken(session: Session, custom: Any) -> None:
        raise ValueError(f"bad custom payload for {session.recent_texts[-1]}")

    app.dependency_overrides[get_custom_handler] = lambda: broken
    rasa.reply = lambda body: httpx.Response(200, json=[{"custom": {"echo": body["message"]}}])
    await say(f"help me please {CANARY}")
    await say(CANARY * 200)  # too long: 422
    await say(CANARY, language=CANARY)  # bad language: 422
    broken_json = await client.post(
        "/api/chat",
        content=f'{{"text": "{CANARY}"'.encode(),
        headers={"content-type": "application/json"},
    )
    assert broken_json.status_code == 422
    error_bodies.append(broken_json.text)

    logged = _everything_logged(caplog.records)
    assert "chat.rasa_unavailable" in logged  # the test does see what is logged
    assert "app.unhandled_error type=ValueError" in logged
    assert CANARY not in logged
    assert CLIENT_IP not in logged
    assert len(sessions) >= 6
    for session in sessions:
        assert session not in logged
    assert len(error_bodies) == 7  # four 503s, three 422s
    for body in error_bodies:
        assert CANARY not in body
