"""Scale-out on Redis: two Rasa processes behind one gateway serve one conversation in turn.

The real parts: a Redis server, two `rasa run` processes on the CI model with
bot/endpoints-redis.yml (Rasa's RedisTrackerStore and RedisLockStore), the action server,
the gateway and the NGO's receiver. Between the gateway and the two Rasa processes, a
round-robin proxy stands where a Kubernetes Service or an nginx upstream would, so that
consecutive messages of one conversation land on different processes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import redis

from kakekomi_common.redis_keys import FORGOTTEN_PREFIX
from kakekomi_stack.processes import actions_service, rasa_service, spawn, stop_services
from kakekomi_stack.settings import StackSettings
from tests.e2e.conftest import NgoReceiver, trained_model
from tests.e2e.test_conversations import answers
from tests.e2e.test_escalation import new_handoffs, wait_for
from tests.live_engines import Engine, running_redis
from tests.live_servers import (
    Gateway,
    JsonHandler,
    free_port,
    serve_in_background,
    start_gateway,
)

pytestmark = pytest.mark.e2e


@dataclass
class RoundRobin:
    """An HTTP proxy on 127.0.0.1 that sends each request to the next backend in turn."""

    backends: list[int]
    served: list[int] = field(default_factory=list)  # the backend port of each POST
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> RoundRobin:
        proxy = self
        turns = itertools.cycle(self.backends)
        lock = threading.Lock()

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                self._forward("GET", None)

            def do_POST(self) -> None:
                self._forward("POST", self.rfile.read(int(self.headers["content-length"])))

            def _forward(self, method: str, body: bytes | None) -> None:
                with lock:
                    backend = next(turns)
                    if method == "POST":
                        proxy.served.append(backend)
                url = f"http://127.0.0.1:{backend}{self.path}"
                try:
                    answer = httpx.request(method, url, content=body, timeout=30, trust_env=False)
                    status, data = answer.status_code, answer.content
                except httpx.HTTPError:
                    status, data = 502, b"{}"
                self.send_json(status, data)

        self._server = serve_in_background(Handler)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class ScaledOut:
    gateway: Gateway
    proxy: RoundRobin
    rasa_ports: list[int]
    redis: Engine

    def chat(self, text: str, session: str | None = None, language: str | None = None) -> dict:
        body = {"session": session, "text": text, "language": language}
        answer = httpx.post(f"{self.gateway.url}/api/chat", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def tracker(self, session: str) -> dict:
        stored = redis.Redis(port=self.redis.port).get(f"tracker:{session}")
        assert stored is not None, "the conversation is not in Redis"
        return json.loads(stored)


def _rasa_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/webhooks/rest/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def scaled_out(tmp_path_factory: pytest.TempPathFactory, ngo: NgoReceiver) -> Iterator[ScaledOut]:
    model = trained_model()
    workdir = tmp_path_factory.mktemp("scale-out")
    with running_redis() as engine:
        settings = StackSettings(
            actions_port=free_port(), data_dir=workdir / "var", redis_url=engine.url
        )
        ports = [free_port(), free_port()]
        # make run's action server; two Rasa processes of its kind, on their own ports.
        services = [
            actions_service(settings),
            *(rasa_service(settings, model, port) for port in ports),
        ]
        gateway: Gateway | None = None
        proxy = RoundRobin(ports).start()
        try:
            for service in services:
                service.env["KAKEKOMI_REDIS_URL"] = engine.url
                spawn(service)
            deadline = time.monotonic() + 300
            while not all(_rasa_answers(port) for port in ports):
                assert all(s.process and s.process.poll() is None for s in services), "exited"
                assert time.monotonic() < deadline, "Rasa did not start"
                time.sleep(1)
            gateway = start_gateway(
                workdir / "gateway",
                proxy.port,
                actions_port=settings.actions_port,
                ngo_url=ngo.url,
                ngo_public_key=str(ngo.public_key),
                signing_key=str(ngo.signing_key),
                retry_schedule="1,1,1,2,2,2,3,3,3",
                rate_limit=100000,
                redis_url=engine.url,  # the gateway's sessions share the same Redis
            )
            yield ScaledOut(gateway, proxy, ports, engine)
        finally:
            if gateway is not None:
                gateway.stop()
            proxy.stop()
            stop_services(services, grace=30)


def test_two_rasa_processes_answer_one_conversation_in_turn(
    scaled_out: ScaledOut, ngo: NgoReceiver
) -> None:
    before = set(ngo.handoffs())
    said = "kailangan ko ng tulong, gusto ko na makaalis dito sa trabaho"
    scaled_out.proxy.served.clear()
    first = scaled_out.chat(said, language="tl")
    assert first["messages"][-1]["text"] == answers()["utter_ask_consent"]["tl"]
    session = first["session"]
    # Her yes reaches the other Rasa process, which must know what it is a yes to.
    asked = scaled_out.chat("/affirm", session=session)
    assert [m["text"] for m in asked["messages"]] == [answers()["utter_ask_contact"]["tl"]]
    done = scaled_out.chat("LINE: scale-canary-4410", session=session)
    assert done["messages"][0]["text"] == answers()["utter_queued"]["tl"]
    served = scaled_out.proxy.served
    assert len(served) >= 3 and set(served) == set(scaled_out.rasa_ports)
    assert all(a != b for a, b in itertools.pairwise(served)), served

    # Rasa stores the conversation as its events; a slot's value is its last slot event.
    events = scaled_out.tracker(session)["events"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["language"] == "tl"
    assert slots["escalation"] == "available"
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users[0] == said and "/affirm" in users
    # The contact never goes to Rasa: the gateway keeps it for the encrypted handoff.
    assert all("scale-canary-4410" not in (text or "") for text in users)

    wait_for(lambda: len(new_handoffs(ngo, before)) == 1)
    [path] = new_handoffs(ngo, before)
    handoff = json.loads(Path(path).read_text())
    assert handoff["language"] == "tl"
    assert handoff["words"] == [said]

    # The quick exit: her conversation leaves Redis at once, the gateway's and Rasa's.
    gone = httpx.delete(f"{scaled_out.gateway.url}/api/chat/{session}", timeout=10)
    assert gone.status_code == 204
    stored = redis.Redis(port=scaled_out.redis.port)
    # Only the marker that keeps a message still with Rasa from writing her conversation
    # back (issue 15 item 3) remains: it expires, and holds none of her words.
    marker = f"{FORGOTTEN_PREFIX}{session}".encode()
    assert stored.keys(f"*{session}*") == [marker]
    assert said.encode() not in (stored.get(marker) or b"")
    assert stored.ttl(marker) > 0


def test_a_conversation_in_redis_expires_after_the_idle_time(scaled_out: ScaledOut) -> None:
    body = scaled_out.chat("hello", language="en")
    ttl = redis.Redis(port=scaled_out.redis.port).ttl(f"tracker:{body['session']}")
    assert 0 < ttl <= 30 * 60
