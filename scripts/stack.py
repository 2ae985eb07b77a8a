"""Starts Kakekomi's three processes, waits until they answer, and stops them together.

    python scripts/stack.py --model models/kakekomi-config-....tar.gz

The action server and Rasa listen on 127.0.0.1 only; the gateway on KAKEKOMI_HOST.
Ctrl-C or SIGTERM stops all three. Settings come from the KAKEKOMI_* environment.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parents[1]
BOT_BIN = ROOT / "bot" / ".venv" / "bin"
GATEWAY_PYTHON = Path(sys.executable)


@dataclass(frozen=True)
class StackSettings:
    """The KAKEKOMI_* settings that decide where each process listens."""

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    session_idle_minutes: float = 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> StackSettings:
        """Reads the settings from the environment, with the documented defaults."""
        env = os.environ if env is None else env
        return cls(
            host=env.get("KAKEKOMI_HOST", cls.host),
            port=int(env.get("KAKEKOMI_PORT", cls.port)),
            rasa_port=int(env.get("KAKEKOMI_RASA_PORT", cls.rasa_port)),
            actions_port=int(env.get("KAKEKOMI_ACTIONS_PORT", cls.actions_port)),
            session_idle_minutes=float(
                env.get("KAKEKOMI_SESSION_IDLE_MINUTES", cls.session_idle_minutes)
            ),
        )

    @property
    def url(self) -> str:
        """Where a person opens the chat."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


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


def services(settings: StackSettings, model: Path) -> list[Service]:
    """The action server, Rasa and the gateway, in the order they start."""
    base = {**os.environ, "PYTHONUNBUFFERED": "1"}
    bot_env = {
        **base,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "SANIC_HOST": "127.0.0.1",  # rasa_sdk listens on all interfaces otherwise
        "KAKEKOMI_ACTIONS_PORT": str(settings.actions_port),
        "KAKEKOMI_SESSION_IDLE_SECONDS": str(int(settings.session_idle_minutes * 60)),
    }
    return [
        Service(
            "actions",
            [
                str(BOT_BIN / "python"),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(settings.actions_port),
                "--quiet",
            ],
            bot_env,
        ),
        Service(
            "rasa",
            [
                str(BOT_BIN / "rasa"),
                "run",
                "--model",
                str(model),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(settings.rasa_port),
                "--quiet",
            ],
            bot_env,
        ),
        Service(
            "gateway",
            [
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
            ],
            {**base, "KAKEKOMI_SESSION_IDLE_MINUTES": str(settings.session_idle_minutes)},
        ),
    ]


class Stack:
    """Starts the services, waits for readiness, and stops them in reverse order."""

    def __init__(self, settings: StackSettings, model: Path) -> None:
        """Prepares (does not start) the stack for one model."""
        self.settings = settings
        self.services = services(settings, model)

    def start(self) -> None:
        """Starts every service as a child process in its own session."""
        for service in self.services:
            service.process = subprocess.Popen(  # noqa: S603 - our own fixed commands
                service.command,
                cwd=ROOT,
                env=service.env,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                preexec_fn=_die_with_parent,
            )

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

    def stop(self, grace: float = 15) -> None:
        """SIGTERM in reverse order, then SIGKILL whatever is still running."""
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                service.process.terminate()
        deadline = time.monotonic() + grace
        for service in reversed(self.services):
            if service.process is None:
                continue
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


def main(argv: list[str] | None = None) -> int:
    """Runs the stack until Ctrl-C, SIGTERM, or one of the processes dies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a trained Rasa model")
    parser.add_argument("--ready-timeout", type=float, default=300)
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.error(f"no model at {args.model}")

    stack = Stack(StackSettings.from_env(), args.model.resolve())
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    print(f"starting the action server, Rasa ({args.model.name}) and the gateway", file=sys.stderr)
    stack.start()
    code = 0
    try:
        if stack.wait_ready(args.ready_timeout, cancelled=lambda: stopping):
            print(f"Kakekomi is ready: {stack.settings.url}  (Ctrl-C stops it)", flush=True)
        while not stopping:
            if (dead := stack.exited()) is not None:
                print(f"{dead.name} stopped unexpectedly; stopping the rest", file=sys.stderr)
                code = 1
                break
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
