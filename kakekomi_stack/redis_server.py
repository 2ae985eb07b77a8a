"""A private redis-server for `make bench-redis` and the tests: memory only, loopback only.

Starts Debian's ``redis-server`` (``.ci/run`` installs it) in a temporary folder on a free
port, and stops it afterwards; nothing touches a system-wide service. Standard library
only, so both environments (the gateway's Python 3.11 and Rasa's 3.10) import it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

INSTALL_HINT = "install Debian's redis-server and postgresql packages (.ci/run does)"


@dataclass(frozen=True)
class Engine:
    """A running server: where to reach it."""

    port: int
    url: str


def loopback_port() -> int:
    """A port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Returns once `port` accepts connections; raises if `process` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start within {seconds} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_redis() -> Iterator[Engine]:
    """A private Redis on a free loopback port, memory only (no RDB, no AOF)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(f"redis-server not found: {INSTALL_HINT}")
    port = loopback_port()
    with tempfile.TemporaryDirectory(prefix="kakekomi-redis-") as folder:
        process = subprocess.Popen(  # noqa: S603 - a fixed command on a binary found on PATH
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(port, process, 20)
            yield Engine(port=port, url=f"redis://127.0.0.1:{port}/0")
        finally:
            stop_process(process)
