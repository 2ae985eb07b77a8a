"""Burmese: legacy Zawgyi converted to Unicode before anything reads it, and syllables."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import cache
from typing import Final, Protocol

# Myanmar, Myanmar Extended-A and -B: the only characters Zawgyi text is made of.
_MYANMAR: Final = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# Burmese syllables: a new one starts at a consonant (Burmese, or Shan's) that is neither
# stacked under the one before (after ္ U+1039) nor killed by a following asat or stacker
# (U+103A, U+1039), and at an independent vowel, digit or sign (Ye Kyaw Thu's sylbreak rule).
SYLLABLE_START: Final = re.compile(
    "(?<!\u1039)[\u1000-\u1021\u1075-\u1081](?![\u103a\u1039])|[\u1023-\u102a\u103f\u1040-\u104f]"
)
# myanmartools' probability that a text is Zawgyi. Short strings are unreliable (a 3-letter
# Unicode word scored 0.15), and converting Unicode by mistake garbles what she wrote, so
# only a near-certain score converts: whole Zawgyi sentences score above 0.999999, Unicode
# ones below 1e-5, and Shan in Unicode (which rule-based checks take for Zawgyi) 1e-18.
THRESHOLD: Final = 0.999


class _Detector(Protocol):
    def get_zawgyi_probability(self, text: str) -> float: ...


@cache
def _detector() -> _Detector:
    # Imported on first use: ships its 28 KB model in the package, reads nothing else.
    from myanmartools import ZawgyiDetector

    with warnings.catch_warnings():
        # It reads that model with importlib.resources.open_binary, deprecated in 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        detector: _Detector = ZawgyiDetector()
    return detector


def has_myanmar(text: str) -> bool:
    """Whether the text has any character of the Myanmar script."""
    return _MYANMAR.search(text) is not None


def is_zawgyi(text: str) -> bool:
    """Whether the text is Burmese in Zawgyi, with near certainty."""
    return has_myanmar(text) and _detector().get_zawgyi_probability(text) >= THRESHOLD


class _Unconvertible(Exception):
    """python-myanmar met a syllable it has no mapping for."""


def _refuse(*_: object) -> None:
    raise _Unconvertible


@cache
def _converter() -> Callable[[str, str, str], str]:
    from myanmar import converter  # pure Python, its tables ship in the package

    # On a syllable it cannot map, python-myanmar prints it to stdout (her words, in a log)
    # and drops part of it. Its module-level print is made to stop the conversion instead.
    setattr(converter, "print", _refuse)  # noqa: B010
    convert: Callable[[str, str, str], str] = converter.convert
    return convert


def from_zawgyi(text: str) -> str:
    """Zawgyi text converted to Unicode; unchanged if part of it cannot be converted."""
    try:
        return _converter()(text, "zawgyi", "unicode")
    except _Unconvertible:
        return text


def to_unicode(text: str) -> str:
    """The text in Unicode if it is Zawgyi, else the text unchanged."""
    return from_zawgyi(text) if is_zawgyi(text) else text
