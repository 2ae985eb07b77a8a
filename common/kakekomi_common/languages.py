"""The languages Kakekomi speaks: the one list every other part imports.

Adding a language is one entry in `Language` and `REGISTERED`, plus its data files
(tests/common/test_language_coverage.py names every one that is missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

# The codes, as a type the gateway's API schema shows as an enum.
Language = Literal["en", "ja", "th", "tl", "es", "zh", "vi", "my", "ne", "id"]
CODES: Final[tuple[Language, ...]] = get_args(Language)

# Unicode script (ISO 15924) a language is written in; the tokenizer and the language
# guess treat Thai and Japanese apart from the Latin-script languages.
Script = Literal["Latn", "Jpan", "Thai", "Hans", "Mymr", "Deva"]


@dataclass(frozen=True)
class LanguageInfo:
    """One registered language: what the picker, the data checks and the reports need."""

    code: Language
    english_name: str
    native_name: str
    script: Script
    # Other tags a browser may send for it (navigator.languages: "fil" for Tagalog).
    aliases: tuple[str, ...] = ()


REGISTERED: Final[tuple[LanguageInfo, ...]] = (
    LanguageInfo("en", "English", "English", "Latn"),
    LanguageInfo("ja", "Japanese", "日本語", "Jpan"),
    LanguageInfo("th", "Thai", "ไทย", "Thai"),
    LanguageInfo("tl", "Tagalog", "Tagalog", "Latn", aliases=("fil",)),
    LanguageInfo("es", "Spanish", "Español", "Latn"),
    LanguageInfo("zh", "Chinese", "中文", "Hans"),
    LanguageInfo("vi", "Vietnamese", "Tiếng Việt", "Latn"),
    LanguageInfo("my", "Burmese", "မြန်မာ", "Mymr"),
    LanguageInfo("ne", "Nepali", "नेपाली", "Deva"),
    LanguageInfo("id", "Indonesian", "Bahasa Indonesia", "Latn"),
)
BY_CODE: Final[dict[str, LanguageInfo]] = {info.code: info for info in REGISTERED}


def info(code: str) -> LanguageInfo:
    """The registered language with this code; KeyError for any other."""
    return BY_CODE[code]


def is_registered(code: object) -> bool:
    """Whether `code` is a registered language code (any type, for untrusted input)."""
    return isinstance(code, str) and code in BY_CODE
