"""Real Redis and PostgreSQL servers on 127.0.0.1 for the scale-out tests.

Each test session starts its own private server from Debian's packages (``.ci/run``
installs ``redis-server`` and ``postgresql``), in a temporary folder and on a free port,
and stops it afterwards; the Redis one is kakekomi_stack's, which `make bench-redis` uses. Nothing here touches a system-wide service. Importable from
both environments (the gateway's Python 3.11 and Rasa's 3.10).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kakekomi_stack.redis_server import (
    INSTALL_HINT,
    Engine,
    loopback_port,
    running_redis,
    stop_process,
    wait_for_port,
)

__all__ = ["Engine", "running_postgres", "running_redis"]


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
    port = loopback_port()
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
            wait_for_port(port, process, 30)
            _wait_ready(bindir, port)
            yield Engine(port=port, url=f"postgresql://kakekomi@127.0.0.1:{port}/postgres")
        finally:
            stop_process(process)
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
