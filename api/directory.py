"""The emergency entries (110, 119...) of the contacts directory, ``bot/directory.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from api.language import LANGUAGES, Language


class DirectoryError(Exception):
    """The directory file is missing, malformed, or lists no emergency number."""


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """One emergency number with its name in each language."""

    id: str
    phone: str
    names: dict[Language, str]

    def name(self, language: Language) -> str:
        """Return the name in ``language``, else in English, else the id."""
        return self.names.get(language) or self.names.get("en") or self.id


def _parse_entry(entry: Any) -> EmergencyContact | None:
    if not isinstance(entry, dict) or entry.get("kind") != "emergency":
        return None
    entry_id, phone, names = entry.get("id"), entry.get("phone"), entry.get("name")
    if not isinstance(entry_id, str) or not isinstance(phone, str) or not phone.strip():
        return None
    if not isinstance(names, dict):
        names = {}
    clean = {lang: str(names[lang]).strip() for lang in LANGUAGES if names.get(lang)}
    return EmergencyContact(id=entry_id, phone=phone.strip(), names=clean)


def load_emergency_contacts(path: Path) -> tuple[EmergencyContact, ...]:
    """Read the emergency entries of the directory; raise DirectoryError if there are none."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DirectoryError(f"cannot read directory file {path}: {type(exc).__name__}") from exc
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DirectoryError(f"directory file {path} has no 'entries' list")
    contacts = tuple(c for c in map(_parse_entry, entries) if c is not None)
    if not contacts:
        raise DirectoryError(f"directory file {path} lists no emergency entry with a phone")
    return contacts
