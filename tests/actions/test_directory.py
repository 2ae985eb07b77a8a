"""The directory file as the actions read it: what the loader refuses."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import directory

LANGUAGES = directory.LANGUAGES


def entry(entry_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "kind": "labour",
        "name": dict.fromkeys(LANGUAGES, entry_id),
        "topics": ["ask_rights"],
        "source": "https://example.org",
        "verified": datetime.date(2026, 12, 1),
        "partner_confirmed": False,
        **fields,
    }


def write(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    kinds = {kind: dict.fromkeys(LANGUAGES, kind) for kind in ("labour", "emergency")}
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump({"kinds": kinds, "entries": list(entries)}), encoding="utf-8")
    return path


def test_a_key_given_twice_is_refused_not_silently_resolved(tmp_path: Path) -> None:
    # The labour hotline once had `languages: [ne]` and, further down, `languages: [en, ...]`:
    # YAML kept the second and Nepali vanished from the card without a word.
    path = write(tmp_path, entry("general", languages=["ne"]))
    text = path.read_text(encoding="utf-8")
    assert text.count("  languages:\n  - ne\n") == 1
    twice = "  languages:\n  - ne\n  languages:\n  - en\n"
    path.write_text(text.replace("  languages:\n  - ne\n", twice), encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="'languages' is given twice"):
        directory.load(path)
