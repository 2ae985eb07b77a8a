"""Ids of handoffs already stored, kept on disk so that a restart still drops duplicates."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Final

from kakekomi_ngo.files import PRIVATE_FILE_MODE, atomic_write

SEEN_IDS_NAME: Final = ".seen-ids"
# Kakekomi retries for about three days; keep ids ten times as long.
RETENTION_SECONDS: Final = 30 * 86400


class SeenIds:
    """An append-only file of ``<id> <unix seconds>`` lines, loaded into memory at start."""

    def __init__(self, path: Path, retention: float = RETENTION_SECONDS) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._load(retention)

    def _load(self, retention: float) -> None:
        if not self.path.exists():
            return
        cutoff = time.time() - retention
        dropped = False
        for line in self.path.read_text("ascii", errors="replace").splitlines():
            handoff_id, _, raw_ts = line.partition(" ")
            if not handoff_id or not raw_ts.isdigit():
                dropped = True
                continue
            if int(raw_ts) < cutoff:
                dropped = True
                continue
            self._seen[handoff_id] = int(raw_ts)
        if dropped:
            lines = "".join(f"{i} {ts}\n" for i, ts in self._seen.items())
            atomic_write(self.path, lines.encode("ascii"), PRIVATE_FILE_MODE)

    def __contains__(self, handoff_id: object) -> bool:
        with self._lock:
            return handoff_id in self._seen

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def add(self, handoff_id: str) -> bool:
        """Record an id durably; False if it was already there."""
        with self._lock:
            if handoff_id in self._seen:
                return False
            now = int(time.time())
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
            try:
                os.write(fd, f"{handoff_id} {now}\n".encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._seen[handoff_id] = now
            return True
