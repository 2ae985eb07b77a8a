"""Reads bot/directory.yml, the one file that holds every contact the bot may give."""

from __future__ import annotations

import datetime
import functools
import os
from pathlib import Path
from typing import Any

import yaml

from kakekomi_common.languages import CODES as LANGUAGES

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "bot" / "directory.yml"
REQUIRED_FIELDS = ("id", "kind", "name", "topics", "source", "verified", "partner_confirmed")


def directory_path() -> Path:
    """Where the directory lives (KAKEKOMI_DIRECTORY overrides, for tests)."""
    return Path(os.environ.get("KAKEKOMI_DIRECTORY", DEFAULT_PATH))


def problems(entries: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the entries: missing fields, a `verified` that is not a date."""
    found = []
    for entry in entries:
        missing = [field for field in REQUIRED_FIELDS if entry.get(field) in (None, "", [])]
        missing += [f"name.{lang}" for lang in LANGUAGES if not entry.get("name", {}).get(lang)]
        if missing:
            found.append(f"directory entry {entry.get('id')!r} lacks {', '.join(missing)}")
        elif not isinstance(entry["verified"], datetime.date):
            found.append(f"directory entry {entry.get('id')!r}: verified is not a YYYY-MM-DD date")
    return found


@functools.lru_cache(maxsize=4)
def load(path: Path) -> list[dict[str, Any]]:
    """Loads and checks the directory's entries; a broken file fails loudly."""
    with path.open(encoding="utf-8") as handle:
        entries = (yaml.safe_load(handle) or {}).get("entries") or []
    found = problems(entries)
    if found:
        raise ValueError(found[0])
    return entries


def entries_for(topic: str, path: Path | None = None) -> list[dict[str, Any]]:
    """The entries listed after `topic` (an intent name), in file order."""
    return [entry for entry in load(path or directory_path()) if topic in entry["topics"]]


def _localised(value: Any, language: str) -> str | None:
    if isinstance(value, dict):
        return value.get(language) or value.get("en")
    return value


def render(entry: dict[str, Any], language: str) -> str:
    """One entry as plain text lines, in the person's language."""
    head = _localised(entry["name"], language)
    if entry.get("phone"):
        head += f": {entry['phone']}"
    if entry.get("alt_phone"):
        note = _localised(entry.get("alt_phone_note"), language)
        head += f" / {entry['alt_phone']}" + (f" ({note})" if note else "")
    if not entry["partner_confirmed"]:
        head += " *"
    lines = [head]
    hours = _localised(entry.get("hours"), language)
    if hours:
        lines.append(f"  {hours}")
    if entry.get("web"):
        lines.append(f"  {entry['web']}")
    return "\n".join(lines)
