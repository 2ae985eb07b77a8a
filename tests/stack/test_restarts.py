"""The supervisor's restart policy, on real child processes (sleep) instead of Rasa."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kakekomi_stack.processes import Service, stop_services
from kakekomi_stack.restarts import RestartPolicy, Restarts, how_it_ended
from kakekomi_stack.settings import StackSettings
from kakekomi_stack.stack import Stack


def test_the_delay_doubles_per_service_and_the_fifth_crash_stops() -> None:
    policy = RestartPolicy()
    assert [policy.record("rasa", t) for t in (0, 1, 2)] == [1, 2, 4]
    assert policy.record("actions", 3) == 1  # its own first crash
    assert policy.record("rasa", 4) is None  # five within two minutes, whoever crashed


def test_crashes_older_than_the_window_are_forgotten() -> None:
    policy = RestartPolicy()
    for minute in range(10):  # one crash a minute: never five in two minutes
        assert policy.record("rasa", minute * 60.0) is not None
    assert policy.recent() == 2  # at 8 and 9 minutes; the one at 7 is at the window's edge


def test_the_delay_is_capped() -> None:
    policy = RestartPolicy(limit=100)
    delays = [policy.record("rasa", float(t)) for t in range(8)]
    assert delays[-1] == 30


def test_how_it_ended_names_the_signal() -> None:
    assert how_it_ended(-signal.SIGKILL) == "killed by SIGKILL"
    assert how_it_ended(1) == "exited with 1"


@pytest.fixture
def sleeper_stack(tmp_path: Path) -> Iterator[Stack]:
    """A Stack whose one service is `sleep`, a real child process to kill."""
    stack = Stack(StackSettings(data_dir=tmp_path), tmp_path / "model.tar.gz")
    stack.services = [Service("sleeper", ["sleep", "600"], dict(os.environ))]
    stack.start()
    yield stack
    stop_services(stack.services, grace=1)


def kill(service: Service) -> int:
    assert service.process is not None
    pid = service.process.pid
    os.kill(pid, signal.SIGKILL)
    service.process.wait(timeout=5)
    return pid


def test_a_killed_process_is_started_again_after_its_delay(
    sleeper_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    [service] = sleeper_stack.services
    restarts = Restarts(RestartPolicy(first_delay=0.3))
    old = kill(service)
    assert restarts.restart_due(sleeper_stack)
    assert service.process is not None and service.process.pid == old  # waits its delay
    time.sleep(0.4)
    assert restarts.restart_due(sleeper_stack)
    assert service.process.pid != old and service.process.poll() is None
    log = capsys.readouterr().err
    assert "sleeper stopped unexpectedly (killed by SIGKILL); restarting it in 0.3 s" in log
    assert "sleeper started again" in log


def test_the_fifth_crash_in_the_window_stops_the_stack(
    sleeper_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    [service] = sleeper_stack.services
    restarts = Restarts(RestartPolicy(first_delay=0, max_delay=0))
    for _ in range(4):
        kill(service)
        assert restarts.restart_due(sleeper_stack)  # scheduled, and due at once
        assert service.process is not None and service.process.poll() is None
    kill(service)
    assert not restarts.restart_due(sleeper_stack)
    assert not restarts.restart_due(sleeper_stack)  # it stays stopped: no later restart
    assert service.process is not None and service.process.poll() is not None
    assert "5 crashes within 2 minutes, too many to restart" in capsys.readouterr().err


def test_a_process_left_by_a_killed_leader_is_killed_before_the_restart(tmp_path: Path) -> None:
    # A leader that forks a worker (as Sanic does with several workers), then dies.
    stack = Stack(StackSettings(data_dir=tmp_path), tmp_path / "model.tar.gz")
    service = Service("forker", ["sh", "-c", "sleep 600 & echo $!; wait"], dict(os.environ))
    stack.services = [service]
    service.process = subprocess.Popen(
        service.command, stdout=subprocess.PIPE, start_new_session=True
    )
    assert service.process.stdout is not None
    worker = int(service.process.stdout.readline())
    service.process.stdout.close()
    kill(service)
    assert Restarts(RestartPolicy(first_delay=0)).restart_due(stack)
    try:
        deadline = time.monotonic() + 5
        while _state(worker) not in ("Z", "gone"):
            assert time.monotonic() < deadline, "the orphaned worker still runs"
            time.sleep(0.05)
    finally:  # the restarted forker and its own worker
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
