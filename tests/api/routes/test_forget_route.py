"""``DELETE /api/chat/{session}`` and its beacon twin: the quick exit's word to the gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.main import create_app
from api.settings import Settings
from tests.live_servers import free_port

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    Serve = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("method", "suffix"), [("DELETE", ""), ("POST", "/forget")], ids=["delete", "beacon"]
)
async def test_a_forgotten_conversation_is_gone_and_the_next_message_starts_anew(
    client: httpx.AsyncClient, app: FastAPI, method: str, suffix: str
) -> None:
    first = (await client.post("/api/chat", json={"text": "necesito ayuda"})).json()
    session = first["session"]
    answer = await client.request(method, f"/api/chat/{session}{suffix}")
    assert answer.status_code == 204
    assert answer.content == b""
    assert answer.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert (await app.state.sessions.get_or_create(session)).id != session
    again = (await client.post("/api/chat", json={"text": "ok", "session": session})).json()
    assert again["session"] != session
    assert again["language"] == "en"  # nothing of the old conversation, not even its language


async def test_forgetting_an_unknown_session_looks_the_same(client: httpx.AsyncClient) -> None:
    known = (await client.post("/api/chat", json={"text": "hi"})).json()["session"]
    answers = [
        await client.delete(f"/api/chat/{known}"),
        await client.delete(f"/api/chat/{known}"),
        await client.delete(f"/api/chat/{'B' * 32}"),
        await client.post("/api/chat/whatever/forget"),
    ]
    assert {(a.status_code, a.content, a.headers["clear-site-data"]) for a in answers} == {
        (204, b"", '"cache", "cookies", "storage"')
    }


async def test_a_beacon_body_is_ignored(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        f"/api/chat/{'C' * 32}/forget",
        content=b"anything",
        headers={"content-type": "text/plain;charset=UTF-8"},
    )
    assert answer.status_code == 204


async def test_without_its_shared_store_a_forget_says_503_not_done(
    settings: Settings, serve: Serve
) -> None:
    nowhere = SecretStr(f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(settings.model_copy(update={"redis_url": nowhere}))
    async with serve(app) as client:
        answer = await client.delete(f"/api/chat/{'D' * 32}")
    assert answer.status_code == 503
    assert answer.headers["clear-site-data"] == '"cache", "cookies", "storage"'
