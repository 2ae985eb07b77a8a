"""The directory's contacts as cards: who answers now, in her language, in the order to try."""

from __future__ import annotations

import datetime
import re
from typing import Any

from actions import directory, hours

# After these topics the emergency numbers (110, 119) lead, whatever else is open.
EMERGENCY_TOPICS = ("emergency", "nlu_fallback")


def dial(phone: str | None) -> str | None:
    """What a `tel:` link dials: the digits and a leading +, nothing else."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    return digits or None


def _status_for(entry: dict[str, Any], language: str, now: datetime.datetime) -> dict[str, Any]:
    slots = directory.slots(entry)
    if slots is None:
        return {"status": "unknown", "opens_at": None, "closes_at": None}
    # Slots that name her language answer her; if none does, every slot applies (she may
    # still call, in whatever language it answers).
    hers = [slot for slot in slots if language in slot.languages]
    shared = [slot for slot in slots if not slot.languages]
    found = hours.status(hers + shared if hers else slots, now)
    return {
        "status": "open" if found.open_now else "closed",
        "opens_at": found.opens_at.isoformat() if found.opens_at else None,
        "closes_at": found.closes_at.isoformat() if found.closes_at else None,
    }


def card(entry: dict[str, Any], language: str, now: datetime.datetime) -> dict[str, Any]:
    """One entry as a typed contact item, in her language, with its state at `now`."""
    localised = directory.localised
    languages = directory.answers_in(entry)
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "emergency": entry["kind"] == "emergency",
        "name": localised(entry["name"], language),
        "helps_with": directory.helps_with(entry["kind"], language),
        "phone": entry.get("phone"),
        "dial": dial(entry.get("phone")),
        "alt_phone": entry.get("alt_phone"),
        "alt_dial": dial(entry.get("alt_phone")),
        "alt_phone_note": localised(entry.get("alt_phone_note"), language),
        "web": entry.get("web"),
        "languages": languages,
        "languages_more": bool(entry.get("languages_more")),
        "speaks_your_language": language in languages,
        "hours": localised(entry.get("hours"), language),
        **_status_for(entry, language, now),
        "confirmed": bool(entry["partner_confirmed"]),
    }


_STATUS_RANK = {"open": 0, "unknown": 1, "closed": 2}


def order(cards: list[dict[str, Any]], topic: str) -> list[dict[str, Any]]:
    """Open first, her language first among them, a phone before none; 110/119 lead in danger."""

    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, ...]:
        index, entry = item
        if topic in EMERGENCY_TOPICS and entry["emergency"]:
            return (0, index)  # 110 then 119, as the file lists them
        return (
            1,
            _STATUS_RANK[entry["status"]],
            0 if entry["speaks_your_language"] else 1,
            0 if entry["dial"] else 1,
            index,
        )

    return [entry for _, entry in sorted(enumerate(cards), key=key)]


def cards_for(
    topic: str, language: str, now: datetime.datetime, named: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The topic's contacts for her language (their `audience`) as cards, in the order to try.

    `named`: the audiences of the countries her message names (directory.named_audiences).
    """
    entries = directory.entries_for(topic, language, named=named)
    return order([card(entry, language, now) for entry in entries], topic)


def contacts_message(
    topic: str, language: str, now: datetime.datetime, named: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The text and the cards of one contacts message, in the same order; None if no contact."""
    items = cards_for(topic, language, now, named)
    if not items:
        return None
    by_id = {entry["id"]: entry for entry in directory.entries_for(topic, language, named=named)}
    text = "\n".join(directory.render(by_id[item["id"]], language) for item in items)
    return {"text": text, "contacts": items}
