"""Reads bot/directory.yml, the one file that holds every contact the bot may give."""

from __future__ import annotations

import datetime
import functools
import os
from pathlib import Path
from typing import Any

import yaml

from actions import hours
from kakekomi_common.languages import CODES as LANGUAGES

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "bot" / "directory.yml"
REQUIRED_FIELDS = ("id", "kind", "name", "topics", "source", "verified", "partner_confirmed")


def directory_path() -> Path:
    """Where the directory lives (KAKEKOMI_DIRECTORY overrides, for tests)."""
    return Path(os.environ.get("KAKEKOMI_DIRECTORY", DEFAULT_PATH))


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice, which safe_load silently resolves to the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse(path: Path) -> dict[str, Any]:
    """The file's data; a key given twice (one list hiding another) is an error."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_StrictLoader) or {}  # noqa: S506 - a SafeLoader
    return data if isinstance(data, dict) else {}


def _schedule_problem(entry: dict[str, Any]) -> str | None:
    languages = entry.get("languages")
    if languages is not None and (
        not isinstance(languages, list) or not set(languages) <= set(LANGUAGES)
    ):
        return f"languages must be a list of {', '.join(LANGUAGES)}"
    if entry.get("open") is None:
        return None  # hours not stated by the source: shown as unknown
    if not isinstance(entry["open"], list) or not entry["open"]:
        return "open must be a list of slots (or absent when the hours are unknown)"
    try:
        slots = [hours.parse_slot(raw) for raw in entry["open"]]
    except ValueError as exc:
        return str(exc)
    if any(not set(slot.languages) <= set(LANGUAGES) for slot in slots):
        return f"a slot's languages must be among {', '.join(LANGUAGES)}"
    return None


def problems(entries: list[dict[str, Any]], kinds: dict[str, Any] | None = None) -> list[str]:
    """What is wrong with the entries: missing fields, a bad date, bad hours, an unnamed kind."""
    found = []
    for entry in entries:
        missing = [field for field in REQUIRED_FIELDS if entry.get(field) in (None, "", [])]
        missing += [f"name.{lang}" for lang in LANGUAGES if not entry.get("name", {}).get(lang)]
        if kinds is not None and entry.get("kind"):
            kind, label = entry["kind"], kinds.get(entry["kind"]) or {}
            missing += [f"kinds.{kind}.{lang}" for lang in LANGUAGES if not label.get(lang)]
        if missing:
            found.append(f"directory entry {entry.get('id')!r} lacks {', '.join(missing)}")
        elif not isinstance(entry["verified"], datetime.date):
            found.append(f"directory entry {entry.get('id')!r}: verified is not a YYYY-MM-DD date")
        elif (problem := _schedule_problem(entry)) is not None:
            found.append(f"directory entry {entry.get('id')!r}: {problem}")
    return found


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> dict[str, Any]:
    data = parse(path)
    found = problems(data.get("entries") or [], data.get("kinds") or {})
    if found:
        raise ValueError(found[0])
    return data


def load(path: Path) -> list[dict[str, Any]]:
    """Loads and checks the directory's entries; a broken file fails loudly."""
    entries: list[dict[str, Any]] = _read(path).get("entries") or []
    return entries


def helps_with(kind: str, language: str, path: Path | None = None) -> str:
    """What an entry of this kind helps with, in the person's language (the file's `kinds`)."""
    label = (_read(path or directory_path()).get("kinds") or {}).get(kind) or {}
    return str(label.get(language) or label.get("en") or kind)


def slots(entry: dict[str, Any]) -> list[hours.Slot] | None:
    """The entry's opening slots, or None when its source does not state its hours."""
    raw = entry.get("open")
    return None if raw is None else [hours.parse_slot(item) for item in raw]


def entries_for(topic: str, path: Path | None = None) -> list[dict[str, Any]]:
    """The entries listed after `topic` (an intent name), in file order."""
    return [entry for entry in load(path or directory_path()) if topic in entry["topics"]]


def localised(value: Any, language: str) -> str | None:
    """A per-language value in `language`, else in English; a plain value as text."""
    if isinstance(value, dict):
        value = value.get(language) or value.get("en")
    return None if value is None else str(value)


def render(entry: dict[str, Any], language: str) -> str:
    """One entry as plain text lines, in the person's language."""
    # load() refused any entry without a name in every language.
    head = str(entry["name"].get(language) or entry["name"]["en"])
    if entry.get("phone"):
        head += f": {entry['phone']}"
    if entry.get("alt_phone"):
        note = localised(entry.get("alt_phone_note"), language)
        head += f" / {entry['alt_phone']}" + (f" ({note})" if note else "")
    if not entry["partner_confirmed"]:
        head += " *"
    lines = [head]
    hours = localised(entry.get("hours"), language)
    if hours:
        lines.append(f"  {hours}")
    if entry.get("web"):
        lines.append(f"  {entry['web']}")
    return "\n".join(lines)
