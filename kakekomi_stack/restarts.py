"""When a crashed process is started again, and when crashes are too many to go on.

A process that ends by itself (an out-of-memory kill, a bug) is started again after a
delay that doubles with each of its recent crashes (1, 2, 4, ... up to 30 s), so that a
process that cannot start does not spin. Crashes of every process count together: the
fifth within two minutes stops the whole stack, because something is wrong that restarting
will not fix, and a supervisor that restarts forever hides it.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from kakekomi_stack.stack import Stack

CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 120.0
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0


@dataclass
class RestartPolicy:
    """Counts crashes in a sliding window and says how long to wait before a restart."""

    limit: int = CRASH_LIMIT
    window: float = CRASH_WINDOW_SECONDS
    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS
    crashes: deque[tuple[float, str]] = field(default_factory=deque)

    def record(self, name: str, now: float) -> float | None:
        """Records a crash of `name`: the delay before its restart, or None to stop the stack."""
        self.crashes.append((now, name))
        while self.crashes and self.crashes[0][0] <= now - self.window:
            self.crashes.popleft()
        if len(self.crashes) >= self.limit:
            return None
        own = sum(1 for _, crashed in self.crashes if crashed == name)
        return float(min(self.max_delay, self.first_delay * 2 ** (own - 1)))

    def recent(self) -> int:
        """How many crashes the window holds."""
        return len(self.crashes)


def how_it_ended(returncode: int) -> str:
    """`killed by SIGKILL` or `exited with 1`: what a returncode says, for the log."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with {returncode}"


class Restarts:
    """Starts crashed services again after their delay; says so, never what anyone wrote."""

    def __init__(self, policy: RestartPolicy) -> None:
        """Restarts under `policy`, none waiting yet."""
        self.policy = policy
        self.waiting: dict[str, float] = {}  # service name -> when to start it again
        self.gave_up = False

    def restart_due(self, stack: Stack) -> bool:
        """Schedules restarts of newly ended services, starts those due; False: stop the stack."""
        if self.gave_up:
            return False
        now = time.monotonic()
        for service in stack.ended():
            if service.name in self.waiting or service.process is None:
                continue
            ended = how_it_ended(service.process.returncode)
            delay = self.policy.record(service.name, now)
            if delay is None:
                minutes = self.policy.window / 60
                print(
                    f"{service.name} stopped unexpectedly ({ended}): {self.policy.recent()} "
                    f"crashes within {minutes:g} minutes, too many to restart; STOPPING THE "
                    "WHOLE STACK. The lines above say why; `make run` starts it again.",
                    file=sys.stderr,
                    flush=True,
                )
                self.gave_up = True
                return False
            print(
                f"{service.name} stopped unexpectedly ({ended}); restarting it in {delay:g} s "
                f"(crash {self.policy.recent()} within {self.policy.window / 60:g} minutes; "
                f"crash {self.policy.limit} stops the stack)",
                file=sys.stderr,
                flush=True,
            )
            self.waiting[service.name] = now + delay
        for service in stack.services:
            due = self.waiting.get(service.name)
            if due is not None and due <= now:
                del self.waiting[service.name]
                if service.process is not None and service.process.poll() is None:
                    continue  # a swap put a running Rasa in its place meanwhile
                stack.restart(service)
                print(f"{service.name} started again", file=sys.stderr, flush=True)
        return True
