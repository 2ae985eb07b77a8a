"""Real Redis and PostgreSQL servers on 127.0.0.1 for the scale-out tests.

Each test session starts its own private server from Debian's packages (``.ci/run``
installs ``redis-server`` and ``postgresql``), in a temporary folder and on a free port,
and stops it afterwards. Nothing here touches a system-wide service. Importable from
both environments (the gateway's Python 3.11 and Rasa's 3.10).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

INSTALL_HINT = "install Debian's redis-server and postgresql packages (.ci/run does)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass(frozen=True)
class Engine:
    """A running server: where to reach it."""

    port: int
    url: str


@contextmanager
def running_redis() -> Iterator[Engine]:
    """A private Redis on a free loopback port, memory only (no RDB, no AOF)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(f"redis-server not found: {INSTALL_HINT}")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="kakekomi-redis-") as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for_port(port, process, 20)
            yield Engine(port=port, url=f"redis://127.0.0.1:{port}/0")
        finally:
            _stop(process)


def _postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError(f"PostgreSQL server binaries not found: {INSTALL_HINT}")
    return found[-1]


@contextmanager
def running_postgres() -> Iterator[Engine]:
    """A private PostgreSQL cluster on a free loopback port (trust auth, fsync off)."""
    bindir = _postgres_bin()
    # PostgreSQL refuses to run as root: as root, run it as Debian's postgres user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="kakekomi-pg-")
    try:
        if as_user:
            shutil.chown(folder, user="postgres", group="postgres")
        data = os.path.join(folder, "data")
        subprocess.run(
            [*as_user, f"{bindir}/initdb", "-D", data, "-U", "kakekomi", "-A", "trust",
             "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        process = subprocess.Popen(
            [*as_user, f"{bindir}/postgres", "-D", data, "-p", str(port), "-k", folder,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for_port(port, process, 30)
            _wait_ready(bindir, port)
            yield Engine(port=port, url=f"postgresql://kakekomi@127.0.0.1:{port}/postgres")
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(bindir: str, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL on port {port} never became ready")
