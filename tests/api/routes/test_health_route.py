"""``/healthz`` and ``/readyz``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fastapi import FastAPI

if TYPE_CHECKING:
    from tests.api.conftest import FakeRasa

pytestmark = pytest.mark.anyio


async def test_healthz_answers_while_the_process_lives(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    rasa.probe = lambda request: httpx.Response(503)
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_when_rasa_its_channel_and_the_action_server_answer(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
    assert [str(r.url) for r in rasa.requests] == [
        "http://127.0.0.1:5005/",
        "http://127.0.0.1:5005/webhooks/rest/",
        "http://127.0.0.1:5055/health",
    ]


@pytest.mark.parametrize(
    "failing_url",
    [
        "http://127.0.0.1:5005/",
        "http://127.0.0.1:5005/webhooks/rest/",
        "http://127.0.0.1:5055/health",
    ],
)
@pytest.mark.parametrize("failure", ["503", "refused"])
async def test_readyz_is_503_when_any_part_is_down(
    client: httpx.AsyncClient, rasa: FakeRasa, failing_url: str, failure: str
) -> None:
    def partly_down(request: httpx.Request) -> httpx.Response:
        if str(request.url) != failing_url:
            return httpx.Response(200, json={"status": "ok"})
        if failure == "refused":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(503)

    rasa.probe = partly_down
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "not ready"})


async def test_readyz_tells_only_an_operator_which_part_is_down(
    app: FastAPI, rasa: FakeRasa
) -> None:
    def actions_down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503 if request.url.port == 5055 else 200)

    rasa.probe = actions_down
    async with app.router.lifespan_context(app):
        for client, expected in (
            (("203.0.113.7", 4000), {"status": "not ready"}),
            (
                ("127.0.0.1", 4000),
                {
                    "status": "not ready",
                    "checks": {"rasa": True, "rest_channel": True, "actions": False},
                },
            ),
        ):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://g.test") as http:
                response = await http.get("/readyz")
            assert (response.status_code, response.json()) == (503, expected)


async def test_a_readyz_flood_costs_rasa_one_probe_of_each_part(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    async def probe_once() -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200

    async with anyio.create_task_group() as tasks:
        for _ in range(200):
            tasks.start_soon(probe_once)
    assert len(rasa.requests) == 3
