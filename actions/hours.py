"""When a directory entry answers: its opening hours (Japan time) against a clock."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Any

import holidays

JAPAN = datetime.timezone(datetime.timedelta(hours=9), "JST")  # no daylight saving
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "hol" is a Japanese public holiday: that day only the slots that name "hol" apply,
# as a Japanese "平日" (weekdays) excludes holidays.
DAY_TOKENS = (*WEEKDAYS, "hol")
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
# Looking a week and a day ahead finds the next opening of any weekly schedule, even
# across a run of holidays such as Golden Week.
_LOOKAHEAD_DAYS = 8


def japan_now() -> datetime.datetime:
    """The current time in Japan: the clock the actions use unless a test gives another."""
    return datetime.datetime.now(JAPAN)


@functools.lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    # Computed offline by the `holidays` library: no network, no file to keep up to date.
    return holidays.country_holidays("JP", years=year)


def is_public_holiday(day: datetime.date) -> bool:
    """True on a Japanese public holiday (substitute holidays included)."""
    return day in _holidays(day.year)


def _minutes(text: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a HH:MM time")
    minutes = int(match[1]) * 60 + int(match[2])
    if minutes > 24 * 60:
        raise ValueError(f"{text!r} is past 24:00")
    return minutes


@dataclass(frozen=True)
class Slot:
    """Open from `start` to `end` minutes after midnight on `days`, for `languages` if set."""

    days: frozenset[str]
    start: int
    end: int
    languages: tuple[str, ...]


def parse_slot(raw: Any) -> Slot:
    """One `{days, from, to, languages?}` item of an entry's `open` list; ValueError if bad."""
    if not isinstance(raw, dict):
        raise ValueError("an opening slot must be a mapping with days, from and to")
    days = list(DAY_TOKENS) if raw.get("days") == "all" else raw.get("days")
    if not isinstance(days, list) or not days or not set(days) <= set(DAY_TOKENS):
        raise ValueError(f"days must be 'all' or a list of {', '.join(DAY_TOKENS)}")
    start, end = _minutes(str(raw.get("from"))), _minutes(str(raw.get("to")))
    if end <= start:
        raise ValueError(f"a slot must end after it starts ({raw.get('from')}–{raw.get('to')})")
    languages = raw.get("languages") or []
    if not isinstance(languages, list):
        raise ValueError("a slot's languages must be a list")
    return Slot(frozenset(days), start, end, tuple(languages))


def _day_token(day: datetime.date) -> str:
    return "hol" if is_public_holiday(day) else WEEKDAYS[day.weekday()]


def _at(day: datetime.date, minutes: int) -> datetime.datetime:
    midnight = datetime.datetime.combine(day, datetime.time(), JAPAN)
    return midnight + datetime.timedelta(minutes=minutes)


def _intervals(
    slots: list[Slot], first: datetime.date
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The opening intervals from the day before `first` on, merged where they touch."""
    found = []
    for offset in range(-1, _LOOKAHEAD_DAYS):
        day = first + datetime.timedelta(days=offset)
        token = _day_token(day)
        found += [(_at(day, s.start), _at(day, s.end)) for s in slots if token in s.days]
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class Status:
    """Open now or not; when it closes (if open) or next opens (if closed), Japan time."""

    open_now: bool
    closes_at: datetime.datetime | None
    opens_at: datetime.datetime | None


def status(slots: list[Slot], now: datetime.datetime) -> Status:
    """Whether the slots are open at `now`, and the next change within about a week."""
    local = now.astimezone(JAPAN)
    for start, end in _intervals(slots, local.date()):
        if start <= local < end:
            # A line open around the clock never closes: no closing time to show.
            return Status(True, None if end - start > datetime.timedelta(days=7) else end, None)
        if start > local:
            return Status(False, None, start)
    return Status(False, None, None)
