"""Starts Kakekomi's processes, waits until they answer, swaps models, stops them together.

    python -m kakekomi_stack --model models/kakekomi-config-....tar.gz   (what `make run` runs)

The conversation store (a private Unix socket), the action server and Rasa listen on this
machine only; the gateway on KAKEKOMI_HOST. Ctrl-C or SIGTERM stops them all. Settings come
from the KAKEKOMI_* environment, read by the gateway's Settings.

The live model is the one named in <data dir>/live-model (written by `promote`); the first
run writes --model there. SIGHUP (which `promote` sends to the pid in <data dir>/stack.pid)
swaps in the model the pointer names without downtime: a second Rasa starts on it, and once
it answers the gateway sends new messages there, the old one finishes those it has and
stops. Conversations live in the conversation store, so they keep their place.

A process that stops by itself (an out-of-memory kill, a bug) is started again after a
short delay, doubling with each recent crash (kakekomi_stack.restarts), and the log says
so; the gateway meanwhile answers with the emergency numbers. The fifth crash within two
minutes stops the whole stack, loudly. A crashed gateway is restarted too: the page with
the emergency numbers matters more than anything it held in memory.

With KAKEKOMI_REDIS_URL set, conversations live in that Redis instead (bot/endpoints-redis.yml)
and no conversation store starts; SANIC_WORKERS then gives Rasa several worker processes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from kakekomi_common import live_model
from kakekomi_stack.restarts import RestartPolicy, Restarts
from kakekomi_stack.settings import StackSettings
from kakekomi_stack.stack import Stack, promote


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
    """Runs the stack until Ctrl-C, SIGTERM, or too many crashes in a short time."""
    parser = argparse.ArgumentParser(
        prog="python -m kakekomi_stack", description=(__doc__ or "").splitlines()[0]
    )
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
    model = live_model.read(settings.data_dir)
    if model is None:
        if not given.is_file():
            parser.error(f"no model at {given}")
        model = given.resolve()
        live_model.write(settings.data_dir, model)
    elif given.resolve() != model:
        print(
            f"serving the live model {model.name}; {given.name} (the current data's) is not"
            f" live yet: `make promote MODEL={given}` checks it and swaps it in",
            file=sys.stderr,
        )

    stack = Stack(settings, model)
    restarts = Restarts(RestartPolicy())
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
            if stack.demo is not None:
                print(
                    f"Demo NGO inbox (no NGO configured; development only, this computer "
                    f"only): {stack.demo.inbox_url()}",
                    flush=True,
                )
        while not stopping:
            if not restarts.restart_due(stack):
                code = 1
                break
            if swap_requested:
                swap_requested = False
                # A swap takes a while: crashes meanwhile are restarted (or stop it all) too.
                promote(
                    stack,
                    ready_timeout,
                    cancelled=lambda: stopping or not restarts.restart_due(stack),
                )
                continue
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}", file=sys.stderr)
        code = 1
    finally:
        print("stopping...", file=sys.stderr)
        stack.stop()
    return code
