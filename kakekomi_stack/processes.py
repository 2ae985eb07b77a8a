"""The stack's processes: their commands and environments, starting and stopping them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kakekomi_common import env
from kakekomi_stack.demo_ngo import DemoNgo
from kakekomi_stack.settings import StackSettings

ROOT = Path(__file__).resolve().parents[1]
BOT_BIN = ROOT / "bot" / ".venv" / "bin"
GATEWAY_PYTHON = Path(sys.executable)
# Rasa and the action server run under this wrapper: their logs never carry what a person
# wrote or their session id (Rasa's own error lines do).
PRIVATE_LOGS = [str(BOT_BIN / "python"), "-m", "kakekomi_bot.private_logs"]


@dataclass
class Service:
    """One child process: its command, environment, and the running process."""

    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None)


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor dies, so nothing is left behind."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    """A port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(settings: StackSettings) -> dict[str, str]:
    """The environment of the processes in Rasa's environment."""
    variables = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "SANIC_HOST": "127.0.0.1",  # rasa_sdk listens on all interfaces otherwise
        env.ACTIONS_PORT: str(settings.actions_port),
        env.SESSION_IDLE_SECONDS: str(env.session_idle_seconds(settings.session_idle_minutes)),
        env.CONVERSATION_SOCKET: str(settings.conversation_socket),
    }
    if settings.redis_url is not None:  # it may come from a secrets file, not the environment
        variables[env.REDIS_URL] = settings.redis_url
    return variables


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


def actions_service(settings: StackSettings) -> Service:
    """The action server (rasa_sdk) on 127.0.0.1, with private logs."""
    command = [
        *PRIVATE_LOGS,
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.actions_port),
        "--quiet",
    ]
    return Service("actions", command, bot_env(settings))


def conversation_store_service(settings: StackSettings) -> Service:
    """The conversation store on its private Unix socket."""
    command = [
        str(BOT_BIN / "python"),
        "-m",
        "kakekomi_bot.conversation_store",
        "--socket",
        str(settings.conversation_socket),
    ]
    return Service("conversation store", command, bot_env(settings))


def demo_ngo_services(demo: DemoNgo) -> list[Service]:
    """The demo NGO's receiver and inbox (kakekomi_stack.demo_ngo)."""
    variables = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return [
        Service("demo NGO receiver", demo.serve_command(), variables),
        Service("demo NGO inbox", demo.inbox_command(), dict(variables)),
    ]


def gateway_service(
    settings: StackSettings, control_token: str, demo: DemoNgo | None = None
) -> Service:
    """The gateway (uvicorn) on KAKEKOMI_HOST:KAKEKOMI_PORT; the token lets us move it."""
    command = [
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
    variables = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        env.SESSION_IDLE_MINUTES: str(settings.session_idle_minutes),
        env.DATA_DIR: str(settings.data_dir),
        env.CONTROL_TOKEN: control_token,
        **(demo.gateway_env() if demo is not None else {}),
    }
    return Service("gateway", command, variables)


def services(
    settings: StackSettings, model: Path, control_token: str, demo: DemoNgo | None = None
) -> list[Service]:
    """The conversation store, the action server, Rasa, the demo NGO if any, and the gateway."""
    store = [] if settings.redis_url else [conversation_store_service(settings)]
    return [
        *store,
        actions_service(settings),
        rasa_service(settings, model, settings.rasa_port),
        *(demo_ngo_services(demo) if demo is not None else []),
        gateway_service(settings, control_token, demo),
    ]


def spawn(service: Service) -> None:
    """Starts `service` from the repository root, in its own session."""
    service.process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        service.command,
        cwd=ROOT,
        env=service.env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us; we stop them in order
        preexec_fn=_die_with_parent,  # only prctl: safe between fork and exec
    )


def stop_services(services: list[Service], grace: float = 15) -> None:
    """SIGTERM in the given order, then SIGKILL whatever is still running after `grace`."""
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
