"""Reads bot/directory.yml, the one file that holds every contact the bot may give."""

from __future__ import annotations

import datetime
import functools
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from actions import hours
from kakekomi_common.languages import CODES as LANGUAGES

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "bot" / "directory.yml"
REQUIRED_FIELDS = ("id", "kind", "name", "topics", "source", "verified", "partner_confirmed")
# Who writes in these may be from anywhere (a Filipina or a Nepali in English, a Japanese
# supporter asking for someone), so they see every entry, whatever its `audience`.
EVERY_ENTRY_LANGUAGES: tuple[str, ...] = ("en", "ja")


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


def answers_in(entry: dict[str, Any]) -> list[str]:
    """The languages an entry answers in: its own, then those its hours name, in file order."""
    named = list(entry.get("languages") or [])
    for raw in entry.get("open") or []:
        named += [lang for lang in raw.get("languages") or [] if lang not in named]
    return named


def _audience_problem(entry: dict[str, Any]) -> str | None:
    if "audience" not in entry:
        return None
    audience = entry["audience"]
    if not isinstance(audience, list) or not audience or not set(audience) <= set(LANGUAGES):
        return f"audience must be a non-empty list of {', '.join(LANGUAGES)} (or absent: everyone)"
    if entry.get("kind") == "emergency":
        return "an emergency entry is for everyone: no audience"
    # A line that answers in her language is never hidden from her by mistake (a Vietnamese
    # line copied with audience [zh]); a language it answers in belongs in its audience.
    hidden = sorted(set(answers_in(entry)) - set(audience) - set(EVERY_ENTRY_LANGUAGES))
    if hidden:
        return f"it answers in {', '.join(hidden)}, which its audience leaves out"
    return None


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
        elif (problem := _schedule_problem(entry) or _audience_problem(entry)) is not None:
            found.append(f"directory entry {entry.get('id')!r}: {problem}")
    return found


def listed_to(entry: dict[str, Any], language: str, named: frozenset[str] = frozenset()) -> bool:
    """Whether the entry is listed to someone writing in `language` (its `audience`).

    `named`: the audiences of the countries her message names ("the Philippine embassy").
    They add to her own language's; in English or Japanese, which see every entry, they
    narrow the list to those countries' entries (and the entries for everyone).
    """
    audience = entry.get("audience")
    if audience is None:
        return True
    if language in EVERY_ENTRY_LANGUAGES and not named:
        return True
    return bool(set(audience) & ({language} | named))


def coverage_gaps(entries: list[dict[str, Any]]) -> list[str]:
    """Topics that list contacts but none to some language: audiences must not empty a topic."""
    topics = sorted({topic for entry in entries for topic in entry.get("topics") or []})
    found = []
    for topic in topics:
        listed = [entry for entry in entries if topic in (entry.get("topics") or [])]
        missing = [lang for lang in LANGUAGES if not any(listed_to(e, lang) for e in listed)]
        if missing:
            found.append(
                f"directory: after {topic} no contact is listed to {', '.join(missing)}"
                " (give one entry of that topic no audience, or one with that language)"
            )
    return found


def country_problems(countries: Any) -> list[str]:
    """What is wrong with the `countries` list: each needs names and a registered audience."""
    if not isinstance(countries, list):
        return ["directory: countries must be a list"]
    found = []
    for country in countries:
        names = country.get("names") if isinstance(country, dict) else None
        audience = country.get("audience") if isinstance(country, dict) else None
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(name, str) and name.strip() for name in names)
        ):
            found.append(f"directory country {country!r}: names must be a non-empty list of text")
        elif audience not in LANGUAGES:
            found.append(
                f"directory country {country.get('id')!r}: audience must be one of "
                f"{', '.join(LANGUAGES)}"
            )
    return found


def file_problems(path: Path) -> list[str]:
    """Everything validate checks in the directory file: its YAML, each entry, the coverage."""
    try:
        data = parse(path)
    except yaml.YAMLError as exc:
        return [f"{path.name}: {exc}"]
    entries = data.get("entries") or []
    return [
        *problems(entries, data.get("kinds") or {}),
        *country_problems(data.get("countries") or []),
        *coverage_gaps(entries),
    ]


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> dict[str, Any]:
    data = parse(path)
    found = problems(data.get("entries") or [], data.get("kinds") or {})
    found += country_problems(data.get("countries") or [])
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


def entries_for(
    topic: str, language: str, path: Path | None = None, named: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The entries listed after `topic` (an intent name) to her language, in file order."""
    return [
        entry
        for entry in load(path or directory_path())
        if topic in entry["topics"] and listed_to(entry, language, named)
    ]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# Scripts written without spaces between words: a country's name is found anywhere in them.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u1000-\u109f\u3040-\u30ff\u3400-\u9fff]")


@functools.lru_cache(maxsize=4)
def _country_patterns(path: Path) -> tuple[tuple[str, re.Pattern[str]], ...]:
    patterns = []
    for country in _read(path).get("countries") or []:
        parts = []
        for name in sorted({_fold(n.strip()) for n in country["names"]}, key=len, reverse=True):
            escaped = re.escape(name)
            parts.append(escaped if _UNSPACED.search(name) else rf"(?<!\w){escaped}(?!\w)")
        patterns.append((str(country["audience"]), re.compile("|".join(parts))))
    return tuple(patterns)


def named_audiences(text: str | None, path: Path | None = None) -> frozenset[str]:
    """The audiences of the countries a message names (the file's `countries`), if any.

    Read in memory only, like everything she types: nothing of it is kept or logged.
    """
    if not text:
        return frozenset()
    folded = _fold(text)
    return frozenset(
        audience
        for audience, pattern in _country_patterns(path or directory_path())
        if pattern.search(folded)
    )


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
