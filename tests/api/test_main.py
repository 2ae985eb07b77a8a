"""The app factory and its lifespan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fastapi import FastAPI

from api.directory import DirectoryError
from api.main import create_app
from api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from tests.api.conftest import FakeRasa

    Serve = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]

pytestmark = pytest.mark.anyio


async def test_the_gateway_refuses_to_start_without_emergency_numbers(
    settings: Settings, tmp_path: Path, serve: Serve
) -> None:
    app = create_app(settings.model_copy(update={"directory_path": tmp_path / "none.yml"}))
    with pytest.raises(DirectoryError):
        async with serve(app):
            pass


async def test_expired_sessions_are_swept_without_being_touched(
    settings: Settings, rasa: FakeRasa, serve: Serve
) -> None:
    quick = settings.model_copy(update={"session_idle_minutes": 0.001})  # 60 ms
    app = create_app(quick, rasa_transport=httpx.MockTransport(rasa))
    async with serve(app) as client:
        for _ in range(3):
            await client.post("/api/chat", json={"text": "hello"})
        await anyio.sleep(0.3)
        assert len(app.state.sessions) == 0


async def test_the_openapi_schema_documents_the_chat_api_and_its_503(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    chat = schema["paths"]["/api/chat"]["post"]
    assert set(chat["responses"]) == {"200", "413", "422", "429", "503"}
    assert {"/api/chat", "/healthz", "/readyz"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/chat/{session}"]) == {"delete"}
    assert set(schema["paths"]["/api/chat/{session}/forget"]) == {"post"}
    assert "/" not in schema["paths"]  # the page is not an API
    request = schema["components"]["schemas"]["ChatRequest"]
    assert request["properties"]["text"]["maxLength"] == 2000


async def test_unknown_paths_and_methods_are_plain_404_and_405(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/nothing")).status_code == 404
    assert (await client.get("/api/chat")).status_code == 405


@pytest.mark.anyio
async def test_an_error_while_serving_is_not_swallowed_by_the_shutdown(app: FastAPI) -> None:
    # The shutdown once awaited inside its cancelled task group: the await was cancelled at
    # once, the outbox and Redis were never closed, and any error raised while serving
    # (a failed assertion in a test, too) vanished with the cancellation.
    with pytest.raises(ExceptionGroup) as caught:
        async with app.router.lifespan_context(app):
            raise LookupError("raised while serving")
    assert caught.group_contains(LookupError)
