"""The live-model pointer: ``<data dir>/live-model``, one line, the model's absolute path.

`promote` writes it and the stack reads it (and writes it back after a failed swap).
A write is atomic and durable: a temporary file in the same directory, fsynced, renamed
over the pointer, then the directory fsynced; a reader sees the old line or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Final

POINTER_NAME: Final = "live-model"


def pointer(data_dir: Path) -> Path:
    """The pointer file in `data_dir`."""
    return data_dir / POINTER_NAME


def read(data_dir: Path) -> Path | None:
    """The live model's path, or None when none was promoted (or its file is gone)."""
    try:
        line = pointer(data_dir).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    model = Path(line)
    return model if line and model.is_file() else None


def write(data_dir: Path, model: Path) -> Path:
    """Points the live-model file at `model` (made absolute), atomically; returns the pointer."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = pointer(data_dir)
    handle, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{POINTER_NAME}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(f"{model.absolute()}\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(data_dir)
    return target


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory itself is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
