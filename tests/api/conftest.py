"""Shared fixtures: a directory file, a fake Rasa at the HTTP transport, a running app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.settings import Settings
from tests.live_servers import DIRECTORY_YAML as EMERGENCY_DIRECTORY_YAML

# Test numbers: the real ones live in bot/directory.yml. 118 (coast guard) proves that every
# emergency entry of the file is shown, not a list written in code.
DIRECTORY_YAML = (
    EMERGENCY_DIRECTORY_YAML
    + """\
- id: coast_guard
  kind: emergency
  name: {en: Coast Guard, ja: 海上保安庁}
  phone: "118"
  partner_confirmed: false
  source: https://www.kaiho.mlit.go.jp/
  verified: 2025-01-01
- id: some_ngo
  kind: ngo
  name: {en: Some NGO}
  phone: "00-0000-0000"
  partner_confirmed: false
  source: test
  verified: 2025-01-01
- id: silent
  kind: emergency
  name: {en: No phone}
  phone: null
  partner_confirmed: false
  source: test
  verified: 2025-01-01
"""
)

Reply = Callable[[dict[str, Any]], httpx.Response]


def echo(body: dict[str, Any]) -> httpx.Response:
    """Answer like Rasa's REST channel: one text reply with one button."""
    return httpx.Response(
        200,
        json=[
            {
                "recipient_id": body["sender"],
                "text": f"echo {body['message']}",
                "buttons": [{"title": "Visa", "payload": "/ask_visa"}],
            }
        ],
    )


def healthy(request: httpx.Request) -> httpx.Response:
    """Answer a readiness probe as a healthy Rasa or action server does."""
    return httpx.Response(200, json={"status": "ok"})


class FakeRasa:
    """Rasa and the action server, faked at the transport; records what it was sent."""

    def __init__(self) -> None:
        self.reply: Reply = echo
        self.probe: Callable[[httpx.Request], httpx.Response] = healthy
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            return self.probe(request)
        return self.reply(json.loads(request.content))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The bodies posted to the REST webhook, in order."""
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]


@pytest.fixture
def directory_path(tmp_path: Path) -> Path:
    path = tmp_path / "directory.yml"
    path.write_text(DIRECTORY_YAML, encoding="utf-8")
    return path


@pytest.fixture
def settings(directory_path: Path) -> Settings:
    return Settings(directory_path=directory_path, rasa_timeout_seconds=2.0)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def app(settings: Settings, rasa: FakeRasa) -> FastAPI:
    return create_app(settings, rasa_transport=httpx.MockTransport(rasa))


CLIENT_ADDRESS = ("203.0.113.7", 41234)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            yield http


@pytest.fixture
def serve() -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """Start any app built in a test: ``async with serve(app) as http``."""
    return running


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as http:
        yield http
