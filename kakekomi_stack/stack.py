"""The running stack: readiness, the model swap without downtime, stopping in order."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import redis

from kakekomi_common import conversation_protocol as protocol
from kakekomi_common import env, live_model
from kakekomi_common.redis_keys import TRACKER_PREFIX
from kakekomi_stack.demo_ngo import DEMO_DIR, DemoNgo
from kakekomi_stack.processes import (
    Service,
    free_port,
    rasa_service,
    services,
    spawn,
    stop_services,
)
from kakekomi_stack.settings import StackSettings


class SwapFailed(Exception):
    """The new Rasa did not come up or the gateway did not move; the old one still serves."""


def forget_conversation(settings: StackSettings, sender: str) -> None:
    """Deletes a conversation from Redis or the conversation store (its one-request protocol)."""
    if settings.redis_url is not None:
        with contextlib.suppress(redis.RedisError), redis.from_url(settings.redis_url) as red:
            red.delete(f"{TRACKER_PREFIX}{sender}")
        return
    with contextlib.suppress(protocol.ConversationStoreUnavailable):
        protocol.ask_blocking(settings.conversation_socket, protocol.delete(sender))


class Stack:
    """Starts the services, waits for readiness, swaps Rasa, stops them in reverse order."""

    def __init__(self, settings: StackSettings, model: Path) -> None:
        """Prepares (does not start) the stack for one model."""
        self.settings = settings
        self.model = model
        self.rasa_port = settings.rasa_port
        self.control_token = secrets.token_urlsafe(32)
        self.demo = (
            DemoNgo(
                settings.data_dir / DEMO_DIR,
                free_port(),
                free_port(),
                settings.signing_key,
                settings.local_url,
            )
            if settings.demo_ngo
            else None
        )
        self.services = services(settings, model, self.control_token, self.demo)

    def start(self) -> None:
        """Starts every service as a child process in its own session."""
        if self.demo is not None:
            self.demo.prepare()
        for service in self.services:
            spawn(service)

    def exited(self) -> Service | None:
        """The first service whose process has ended, if any."""
        return next(iter(self.ended()), None)

    def ended(self) -> list[Service]:
        """The services whose process has ended."""
        return [s for s in self.services if s.process and s.process.poll() is not None]

    def restart(self, service: Service) -> None:
        """Starts an ended service again, as it was (a gateway: on the Rasa it last used)."""
        if service.process is not None:
            # A dead leader may leave children (Sanic's workers) holding its port.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(service.process.pid, signal.SIGKILL)
        if service.name == "gateway":
            service.env[env.RASA_PORT] = str(self.rasa_port)
        spawn(service)

    def wait_ready(self, timeout: float, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Polls the gateway's /readyz until Rasa and the actions answer too.

        Returns False if `cancelled()` became true first.
        """
        deadline = time.monotonic() + timeout
        ready_url = f"{self.settings.url}readyz"
        dots = 0
        while time.monotonic() < deadline:
            if cancelled():
                return False
            if (dead := self.exited()) is not None:
                raise RuntimeError(f"{dead.name} exited while starting")
            try:
                # Rasa opens its port even when its model did not load, and then answers
                # every message with nothing: one real message tells the two apart.
                if httpx.get(ready_url, timeout=2).status_code == 200 and self._rasa_answers(
                    self.rasa_port
                ):
                    print(file=sys.stderr)
                    return True
            except httpx.HTTPError:
                pass
            except SwapFailed as error:
                raise RuntimeError(str(error)) from None
            dots += 1
            print("." if dots % 60 else ".\n", end="", file=sys.stderr, flush=True)
            time.sleep(1)
        raise TimeoutError(f"not ready after {timeout:.0f} s")

    def _rasa_answers(self, port: int) -> bool:
        """True once a real message goes through the Rasa on `port`, its model and the actions.

        False while it starts. Rasa opens its port only after loading the model, so one that
        answers but cannot answer a message has a model that did not load: SwapFailed.
        """
        base = f"http://127.0.0.1:{port}"
        probe = f"stack-probe-{secrets.token_hex(8)}"
        message = {"sender": probe, "message": "hello", "metadata": {"language": "en"}}
        try:
            with httpx.Client(timeout=30, trust_env=False) as http:
                if http.get(f"{base}/webhooks/rest/").status_code != 200:
                    return False
                try:
                    replies = http.post(f"{base}/webhooks/rest/webhook", json=message)
                finally:
                    forget_conversation(self.settings, probe)
        except httpx.HTTPError:
            return False
        try:
            answered = replies.status_code == 200 and bool(replies.json())
        except ValueError:
            answered = False
        if not answered:
            raise SwapFailed("Rasa is up but does not answer a message (did its model load?)")
        return True

    def _move_gateway(self, port: int) -> httpx.Response:
        """Tells the gateway to send new messages to Rasa on `port`; answers once drained."""
        try:
            moved = httpx.post(
                f"{self.settings.url}api/control/rasa",
                json={"port": port},
                headers={"authorization": f"Bearer {self.control_token}"},
                timeout=120,
                trust_env=False,
            )
        except httpx.HTTPError as error:
            raise SwapFailed(f"the gateway did not answer ({type(error).__name__})") from None
        if moved.status_code != 200:
            raise SwapFailed(f"the gateway refused to switch ({moved.status_code})")
        return moved

    def swap(self, model: Path, timeout: float, cancelled: Callable[[], bool]) -> bool:
        """Starts Rasa on `model` beside the old one, moves the gateway to it, stops the old one.

        Returns False if `cancelled()` became true first; raises SwapFailed (the old Rasa
        still serving) if the new one does not answer or the gateway does not move.
        """
        port = free_port()
        new = rasa_service(self.settings, model, port)
        spawn(new)
        asked = 0.0
        try:
            deadline = time.monotonic() + timeout
            while not self._rasa_answers(port):
                if cancelled():
                    stop_services([new])
                    return False
                if new.process is not None and new.process.poll() is not None:
                    raise SwapFailed(f"the new Rasa exited with {new.process.returncode}")
                if time.monotonic() > deadline:
                    raise SwapFailed(f"the new Rasa did not answer within {timeout:.0f} s")
                time.sleep(1)
            print("the new Rasa answers; moving the gateway to it", file=sys.stderr, flush=True)
            asked = time.monotonic()
            moved = self._move_gateway(port)
        except SwapFailed:
            if asked:  # the gateway may have moved before it failed to answer: move it back
                with contextlib.suppress(SwapFailed):
                    self._move_gateway(self.rasa_port)
            stop_services([new])
            raise
        drained = "drained" if moved.json().get("drained") else "NOT drained after the timeout"
        took = time.monotonic() - asked
        print(f"the gateway moved in {took:.2f} s; old Rasa {drained}", file=sys.stderr)
        old = next(s for s in self.services if s.name == "rasa")
        self.services[self.services.index(old)] = new
        self.model, self.rasa_port = model, port
        stop_services([old])
        return True

    def stop(self, grace: float = 15) -> None:
        """SIGTERM in reverse order, then SIGKILL whatever is still running."""
        stop_services(list(reversed(self.services)), grace)


def promote(stack: Stack, timeout: float, cancelled: Callable[[], bool]) -> None:
    """Swaps in the model the live-model pointer names (on SIGHUP), or says why not."""
    pointer = stack.settings.live_model
    model = live_model.read(stack.settings.data_dir)
    if model is None:
        print(f"SIGHUP: {pointer} names no model file; serving {stack.model.name}", file=sys.stderr)
        return
    if model == stack.model:
        print(f"SIGHUP: {model.name} is already live", file=sys.stderr)
        return
    print(f"swapping in {model.name} (serving {stack.model.name} meanwhile)", file=sys.stderr)
    started = time.monotonic()
    old = stack.model
    try:
        if not stack.swap(model, timeout, cancelled):
            return
    except SwapFailed as error:
        live_model.write(stack.settings.data_dir, old)
        print(f"could not swap in {model.name}: {error}; still serving {old.name}", flush=True)
        return
    took = time.monotonic() - started
    print(f"now serving {model.name} (swap took {took:.1f} s)", flush=True)
