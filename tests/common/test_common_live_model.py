"""The live-model pointer: what promote writes and the stack reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kakekomi_common import live_model


def test_write_then_read_names_the_model(tmp_path: Path) -> None:
    model = tmp_path / "models" / "a.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    data_dir = tmp_path / "var" / "nested"
    pointer = live_model.write(data_dir, model)
    assert pointer == data_dir / "live-model"
    assert pointer.read_text(encoding="utf-8") == f"{model}\n"
    assert live_model.read(data_dir) == model
    # Nothing else is left in the directory: the temporary file was renamed over the pointer.
    assert [p.name for p in data_dir.iterdir()] == ["live-model"]


def test_a_relative_model_is_written_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.tar.gz").write_bytes(b"m")
    live_model.write(tmp_path, Path("m.tar.gz"))
    assert live_model.pointer(tmp_path).read_text().strip() == str(tmp_path / "m.tar.gz")


def test_rewriting_replaces_the_line(tmp_path: Path) -> None:
    first, second = tmp_path / "1.tar.gz", tmp_path / "2.tar.gz"
    for model in (first, second):
        model.write_bytes(b"m")
    live_model.write(tmp_path / "var", first)
    live_model.write(tmp_path / "var", second)
    assert live_model.read(tmp_path / "var") == second


def test_no_pointer_an_empty_one_or_a_missing_model_reads_as_none(tmp_path: Path) -> None:
    assert live_model.read(tmp_path) is None
    live_model.pointer(tmp_path).write_text("\n")
    assert live_model.read(tmp_path) is None
    live_model.pointer(tmp_path).write_text(f"{tmp_path / 'gone.tar.gz'}\n")
    assert live_model.read(tmp_path) is None


def test_the_write_is_fsynced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"m")
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync")
        real_fsync(descriptor)

    def replace(source: str, target: Path) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    live_model.write(tmp_path / "var", model)
    # The file's content, the rename, then the directory entry.
    assert events == ["fsync", "replace", "fsync"]


def test_a_failed_write_leaves_the_old_pointer_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = tmp_path / "old.tar.gz", tmp_path / "new.tar.gz"
    for model in (old, new):
        model.write_bytes(b"m")
    data_dir = tmp_path / "var"
    live_model.write(data_dir, old)

    def broken(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        live_model.write(data_dir, new)
    assert live_model.read(data_dir) == old
    assert [p.name for p in data_dir.iterdir()] == ["live-model"]
