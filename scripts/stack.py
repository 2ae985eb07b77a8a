"""Starts Kakekomi's processes, waits until they answer, swaps models, stops them together.

    python scripts/stack.py --model models/kakekomi-config-....tar.gz

The conversation store (a private Unix socket), the action server and Rasa listen on this
machine only; the gateway on KAKEKOMI_HOST. Ctrl-C or SIGTERM stops them all. Settings come
from the KAKEKOMI_* environment.

The live model is the one named in <data dir>/live-model (written by `promote`); the first
run writes --model there. SIGHUP (which `promote` sends to the pid in <data dir>/stack.pid)
swaps in the model the pointer names without downtime: a second Rasa starts on it, and once
it answers the gateway sends new messages there, the old one finishes those it has and
stops. Conversations live in the conversation store, so they keep their place.

With KAKEKOMI_REDIS_URL set, conversations live in that Redis instead (bot/endpoints-redis.yml)
and no conversation store starts; SANIC_WORKERS then gives Rasa several worker processes.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
BOT_BIN = ROOT / "bot" / ".venv" / "bin"
GATEWAY_PYTHON = Path(sys.executable)
# Rasa and the action server run under this wrapper: their logs never carry what a person
# wrote or their session id (Rasa's own error lines do).
PRIVATE_LOGS = [str(BOT_BIN / "python"), "-m", "kakekomi_bot.private_logs"]


@dataclass(frozen=True)
class StackSettings:
    """The KAKEKOMI_* settings that decide where each process listens."""

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    session_idle_minutes: float = 30
    data_dir: Path = Path("var")
    # Set: conversations live in this Redis (bot/endpoints-redis.yml), not in the
    # conversation store, so Rasa processes elsewhere can serve them too.
    redis_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackSettings:
        """Reads the settings from the environment, with the documented defaults."""
        values = os.environ if env is None else env
        return cls(
            host=values.get("KAKEKOMI_HOST", cls.host),
            port=int(values.get("KAKEKOMI_PORT", cls.port)),
            rasa_port=int(values.get("KAKEKOMI_RASA_PORT", cls.rasa_port)),
            actions_port=int(values.get("KAKEKOMI_ACTIONS_PORT", cls.actions_port)),
            session_idle_minutes=float(
                values.get("KAKEKOMI_SESSION_IDLE_MINUTES", cls.session_idle_minutes)
            ),
            data_dir=Path(values.get("KAKEKOMI_DATA_DIR", "var")).resolve(),
            redis_url=values.get("KAKEKOMI_REDIS_URL") or None,
        )

    @property
    def url(self) -> str:
        """Where a person opens the chat."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def live_model(self) -> Path:
        """The pointer to the live model: one line, its absolute path."""
        return self.data_dir / "live-model"

    @property
    def pid_file(self) -> Path:
        """Where `promote` finds the process to send SIGHUP to."""
        return self.data_dir / "stack.pid"

    @property
    def endpoints(self) -> str:
        """Rasa's endpoints: the conversation store, or Redis when KAKEKOMI_REDIS_URL is set."""
        return "bot/endpoints.yml" if self.redis_url is None else "bot/endpoints-redis.yml"

    @property
    def conversation_socket(self) -> Path:
        """The conversation store's Unix socket, in a directory only this user may open."""
        return self.data_dir / "run" / "conversations.sock"


@dataclass
class Service:
    """One child process: its command, environment, and the running process."""

    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None)


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor dies, so nothing is left behind."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    """A port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(settings: StackSettings) -> dict[str, str]:
    """The environment of the processes in Rasa's environment."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "SANIC_HOST": "127.0.0.1",  # rasa_sdk listens on all interfaces otherwise
        "KAKEKOMI_ACTIONS_PORT": str(settings.actions_port),
        "KAKEKOMI_SESSION_IDLE_SECONDS": str(int(settings.session_idle_minutes * 60)),
        "KAKEKOMI_CONVERSATION_SOCKET": str(settings.conversation_socket),
    }


def rasa_service(settings: StackSettings, model: Path, port: int) -> Service:
    """`rasa run` on `model`, on 127.0.0.1:`port`, without --enable-api, with private logs."""
    command = [
        *PRIVATE_LOGS,
        "rasa",
        "run",
        "--model",
        str(model),
        "--endpoints",
        settings.endpoints,
        "--credentials",
        "bot/credentials.yml",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--quiet",
    ]
    return Service("rasa", command, bot_env(settings))


def services(settings: StackSettings, model: Path, control_token: str) -> list[Service]:
    """The conversation store, the action server, Rasa and the gateway, in starting order."""
    store = [
        str(BOT_BIN / "python"),
        "-m",
        "kakekomi_bot.conversation_store",
        "--socket",
        str(settings.conversation_socket),
    ]
    actions = [
        *PRIVATE_LOGS,
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.actions_port),
        "--quiet",
    ]
    gateway = [
        str(GATEWAY_PYTHON),
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--no-access-log",
        "--no-server-header",
        "--log-level",
        "warning",
    ]
    gateway_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KAKEKOMI_SESSION_IDLE_MINUTES": str(settings.session_idle_minutes),
        "KAKEKOMI_DATA_DIR": str(settings.data_dir),
        "KAKEKOMI_CONTROL_TOKEN": control_token,
    }
    conversation_store = (
        [] if settings.redis_url else [Service("conversation store", store, bot_env(settings))]
    )
    return [
        *conversation_store,
        Service("actions", actions, bot_env(settings)),
        rasa_service(settings, model, settings.rasa_port),
        Service("gateway", gateway, gateway_env),
    ]


class SwapFailed(Exception):
    """The new Rasa did not come up or the gateway did not move; the old one still serves."""


def _spawn(service: Service) -> None:
    service.process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        service.command,
        cwd=ROOT,
        env=service.env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us; we stop them in order
        preexec_fn=_die_with_parent,
    )


def _stop(services: list[Service], grace: float = 15) -> None:
    """SIGTERM in the given order, then SIGKILL whatever is still running."""
    for service in services:
        if service.process and service.process.poll() is None:
            service.process.terminate()
    deadline = time.monotonic() + grace
    for service in services:
        if service.process is None:
            continue
        try:
            service.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def _forget_conversation(settings: StackSettings, sender: str) -> None:
    """Deletes a conversation from Redis or the conversation store (its one-request protocol)."""
    if settings.redis_url is not None:
        with contextlib.suppress(redis.RedisError), redis.from_url(settings.redis_url) as red:
            red.delete(f"tracker:{sender}")  # RedisTrackerStore's key
        return
    path = settings.conversation_socket
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as store:
        store.settimeout(5)
        store.connect(str(path))
        store.sendall(json.dumps({"op": "delete", "key": sender}).encode())
        store.shutdown(socket.SHUT_WR)
        store.recv(1024)


def read_live_model(pointer: Path) -> Path | None:
    """The model the pointer names, if the pointer exists and the model file does."""
    try:
        line = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return Path(line) if line and Path(line).is_file() else None


def write_live_model(pointer: Path, model: Path) -> None:
    """Points the live-model file at `model`, atomically."""
    partial = pointer.with_name(f".{pointer.name}.{os.getpid()}")
    partial.write_text(f"{model}\n", encoding="utf-8")
    os.replace(partial, pointer)


class Stack:
    """Starts the services, waits for readiness, swaps Rasa, stops them in reverse order."""

    def __init__(self, settings: StackSettings, model: Path) -> None:
        """Prepares (does not start) the stack for one model."""
        self.settings = settings
        self.model = model
        self.rasa_port = settings.rasa_port
        self.control_token = secrets.token_urlsafe(32)
        self.services = services(settings, model, self.control_token)

    def start(self) -> None:
        """Starts every service as a child process in its own session."""
        for service in self.services:
            _spawn(service)

    def exited(self) -> Service | None:
        """The first service whose process has ended, if any."""
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)

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
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    print(file=sys.stderr)
                    return True
            except httpx.HTTPError:
                pass
            dots += 1
            print("." if dots % 60 else ".\n", end="", file=sys.stderr, flush=True)
            time.sleep(1)
        raise TimeoutError(f"not ready after {timeout:.0f} s")

    def _rasa_answers(self, port: int) -> bool:
        """True once a real message goes through the new Rasa's model and the actions.

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
                    _forget_conversation(self.settings, probe)
        except httpx.HTTPError:
            return False
        try:
            answered = replies.status_code == 200 and bool(replies.json())
        except ValueError:
            answered = False
        if not answered:
            raise SwapFailed("the new Rasa is up but does not answer (did its model load?)")
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
        _spawn(new)
        asked = 0.0
        try:
            deadline = time.monotonic() + timeout
            while not self._rasa_answers(port):
                if cancelled():
                    _stop([new])
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
            _stop([new])
            raise
        drained = "drained" if moved.json().get("drained") else "NOT drained after the timeout"
        took = time.monotonic() - asked
        print(f"the gateway moved in {took:.2f} s; old Rasa {drained}", file=sys.stderr)
        old = next(s for s in self.services if s.name == "rasa")
        self.services[self.services.index(old)] = new
        self.model, self.rasa_port = model, port
        _stop([old])
        return True

    def stop(self, grace: float = 15) -> None:
        """SIGTERM in reverse order, then SIGKILL whatever is still running."""
        _stop(list(reversed(self.services)), grace)


def promote(stack: Stack, timeout: float, cancelled: Callable[[], bool]) -> None:
    """Swaps in the model the live-model pointer names (on SIGHUP), or says why not."""
    pointer = stack.settings.live_model
    model = read_live_model(pointer)
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
        write_live_model(pointer, old)
        print(f"could not swap in {model.name}: {error}; still serving {old.name}", flush=True)
        return
    took = time.monotonic() - started
    print(f"now serving {model.name} (swap took {took:.1f} s)", flush=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_data_dir(settings: StackSettings) -> None:
    """Creates the data dir (0700) and writes stack.pid, unless another stack runs there."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError, ValueError):
        other = int(settings.pid_file.read_text().strip())
        if other != os.getpid() and _alive(other):
            raise SystemExit(
                f"another stack (pid {other}) serves {settings.data_dir}; "
                f"stop it, or delete {settings.pid_file} if it is gone"
            )
    settings.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")


def release_data_dir(settings: StackSettings) -> None:
    """Removes stack.pid if it is still ours."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        if int(settings.pid_file.read_text().strip()) == os.getpid():
            settings.pid_file.unlink()


def main(argv: list[str] | None = None) -> int:
    """Runs the stack until Ctrl-C, SIGTERM, or one of the processes dies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a trained Rasa model")
    parser.add_argument("--ready-timeout", type=float, default=300)
    args = parser.parse_args(argv)

    settings = StackSettings.from_env()
    claim_data_dir(settings)
    try:
        return run(settings, args.model, args.ready_timeout, parser)
    finally:
        release_data_dir(settings)


def run(
    settings: StackSettings, given: Path, ready_timeout: float, parser: argparse.ArgumentParser
) -> int:
    """Serves the live model (or `given`, the first time) until stopped."""
    model = read_live_model(settings.live_model)
    if model is None:
        if not given.is_file():
            parser.error(f"no model at {given}")
        model = given.resolve()
        write_live_model(settings.live_model, model)
    elif given.resolve() != model:
        print(
            f"serving the live model {model.name}; {given.name} (the current data's) is not"
            f" live yet: `make promote MODEL={given}` checks it and swaps it in",
            file=sys.stderr,
        )

    stack = Stack(settings, model)
    stopping = False
    swap_requested = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def request_swap(signum: int, frame: FrameType | None) -> None:
        nonlocal swap_requested
        swap_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGHUP, request_swap)

    print(f"starting the action server, Rasa ({model.name}) and the gateway", file=sys.stderr)
    stack.start()
    code = 0
    try:
        if stack.wait_ready(ready_timeout, cancelled=lambda: stopping):
            print(f"Kakekomi is ready: {stack.settings.url}  (Ctrl-C stops it)", flush=True)
        while not stopping:
            if (dead := stack.exited()) is not None:
                print(f"{dead.name} stopped unexpectedly; stopping the rest", file=sys.stderr)
                code = 1
                break
            if swap_requested:
                swap_requested = False
                promote(stack, ready_timeout, cancelled=lambda: stopping)
                continue
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}", file=sys.stderr)
        code = 1
    finally:
        print("stopping...", file=sys.stderr)
        stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
