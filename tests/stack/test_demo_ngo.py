"""The demo NGO of `make run`: development without an NGO only, never production."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from kakekomi_ngo import protocol
from kakekomi_ngo.keys import load_ngo_public_key, load_or_create_signing_key
from kakekomi_stack.processes import spawn, stop_services
from kakekomi_stack.settings import StackSettings
from kakekomi_stack.stack import Stack

NGO_VARIABLES = ("KAKEKOMI_NGO_URL", "KAKEKOMI_NGO_PUBLIC_KEY", "KAKEKOMI_NGO_SIGNING_PUBLIC_KEY")


@pytest.fixture(autouse=True)
def no_kakekomi_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("KAKEKOMI_"):
            monkeypatch.delenv(name)


def stack_for(tmp_path: Path, **gateway: object) -> Stack:
    settings = StackSettings.from_gateway(Settings(data_dir=tmp_path / "var", **gateway))  # type: ignore[arg-type]
    return Stack(settings, tmp_path / "model.tar.gz")


def gateway_env(stack: Stack) -> dict[str, str]:
    return next(s for s in stack.services if s.name == "gateway").env


def test_production_without_an_ngo_never_falls_back_to_the_demo(tmp_path: Path) -> None:
    stack = stack_for(tmp_path, environment="production")
    assert stack.demo is None
    assert not any("demo" in s.name for s in stack.services)
    assert not any(name in gateway_env(stack) for name in NGO_VARIABLES)
    assert not any("kakekomi_ngo" in " ".join(s.command) for s in stack.services)


def test_a_configured_ngo_is_used_not_the_demo(tmp_path: Path) -> None:
    stack = stack_for(
        tmp_path, ngo_url="https://ngo.example/hook", ngo_public_key=tmp_path / "ngo.pem"
    )
    assert stack.demo is None
    assert not any("demo" in s.name for s in stack.services)


def test_development_without_an_ngo_runs_the_demo_on_loopback(tmp_path: Path) -> None:
    stack = stack_for(tmp_path)
    assert stack.demo is not None
    names = [s.name for s in stack.services]
    assert names.index("demo NGO receiver") < names.index("gateway")
    assert "demo NGO inbox" in names
    env = gateway_env(stack)
    assert env["KAKEKOMI_NGO_URL"] == stack.demo.receiver_url
    assert env["KAKEKOMI_NGO_URL"].startswith("http://127.0.0.1:")
    assert env["KAKEKOMI_NGO_PUBLIC_KEY"].endswith("demo-ngo/keys/ngo-public-key.pem")
    assert env["KAKEKOMI_NGO_SIGNING_PUBLIC_KEY"].endswith("ngo-signing-public-key.pem")
    for service in stack.services:
        if "demo" in service.name:
            command = service.command
            assert command[command.index("--host") + 1] == "127.0.0.1"


def test_the_demo_receives_a_handoff_and_its_inbox_shows_it(tmp_path: Path) -> None:
    """The two real processes: a handoff signed with the gateway's key arrives in the inbox."""
    stack = stack_for(tmp_path)
    demo = stack.demo
    assert demo is not None
    demo.prepare()
    demo_services = [s for s in stack.services if "demo" in s.name]
    for service in demo_services:
        spawn(service)
    try:
        handoff = {"id": "demo-1", "created_at": "2026-01-01T00:00:00Z", "language": "th",
                   "urgency": "normal", "topics": ["request_help"], "words": ["ช่วยด้วย"],
                   "contact": None}  # fmt: skip
        body = protocol.encrypt_handoff(
            handoff, load_ngo_public_key(demo.keys / "ngo-public-key.pem")
        )
        headers = protocol.sign_headers(
            "demo-1", body, load_or_create_signing_key(demo.gateway_signing_key)
        )
        headers["content-type"] = "application/json"
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.post(
                    demo.receiver_url, content=body, headers=headers, trust_env=False
                )
                page = httpx.get(demo.inbox_url(), trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo NGO did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert json.loads((demo.folder / "demo-1.json").read_text("utf-8"))["words"] == ["ช่วยด้วย"]
        assert page.status_code == 200 and "ช่วยด้วย" in page.text
        # The demo keeps its keys: a second start uses the same ones.
        before = (demo.keys / "ngo-private-key.pem").read_bytes()
        demo.prepare()
        assert (demo.keys / "ngo-private-key.pem").read_bytes() == before
    finally:
        stop_services(demo_services, grace=5)
