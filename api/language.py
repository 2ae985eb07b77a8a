"""Offline language guess for short phone-typed messages: script first, then marker words.

The tables cover every language Kakekomi has or is getting (`KNOWN`); `detect` names only
registered ones (kakekomi_common.languages), so a language's tables can land before it does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from itertools import pairwise
from typing import Final, cast

from api.buttons import is_button_payload
from api.language_markers import BIGRAMS as _BIGRAMS
from api.language_markers import MARKERS as _MARKERS
from api.language_markers import NEPALI_ENDING
from kakekomi_common.han import han_language

# The one list of languages (kakekomi_common.languages); re-exported for the gateway.
from kakekomi_common.languages import CODES as LANGUAGES
from kakekomi_common.languages import Language

__all__ = ["KNOWN", "LANGUAGES", "Language", "detect", "guess"]


# A kanji or kana carries about as much as three Latin letters, so "help 助けて" reads as
# Japanese while "I work in 大阪" stays English.
_CJK_WEIGHT: Final = 3
# A Latin-script language needs this score, and a clear lead, to be named at all: one weak
# word ("hi", "thanks", "no") is not enough to switch a conversation's language.
_MIN_SCORE: Final = 2


# Languages named by their script alone: kana and Han (shared by two), and the scripts
# that only one language here writes.
_HAN_KANA: Final = ("ja", "zh")
# Scripts only one language here writes (Devanagari: Nepali, whose romanised form has
# marker words too).
_OWN_SCRIPT: Final = ("th", "my", "ne")
# Every language these tables know, registered or not yet: those with marker words, and
# those named by their script alone.
KNOWN: Final = tuple(dict.fromkeys((*_MARKERS, *_HAN_KANA, *_OWN_SCRIPT)))

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SPANISH_PUNCTUATION = frozenset("ñ¿¡")
_SPANISH_ACCENTS = frozenset("áéíóú")
# Letters only Vietnamese writes, of the languages here: đ ă â ê ô ơ ư, the grave, tilde
# and acute-y tones (Spanish has acute á é í ó ú only) and the tone-marked vowels of Latin
# Extended Additional (ạ ả ấ ầ ẩ ẫ ậ ... ỹ).
_VIETNAMESE_LETTERS = re.compile("[đăâêôơưàèìòùãĩõũý\u1ea0-\u1ef9]")


def _script(char: str) -> str | None:
    """The script of a letter, as the language the script alone names."""
    if "\u0e00" <= char <= "\u0e7f":
        return "th"
    if "\u1000" <= char <= "\u109f" or "\uaa60" <= char <= "\uaa7f" or "\ua9e0" <= char <= "\ua9ff":
        return "my"
    if "\u0900" <= char <= "\u097f":
        return "ne"
    if (
        "\u3040" <= char <= "\u30ff"  # Hiragana, Katakana
        or "\u4e00" <= char <= "\u9fff"  # CJK unified ideographs
        or "\u3400" <= char <= "\u4dbf"  # CJK extension A
        or "\uff66" <= char <= "\uff9d"  # half-width Katakana
    ):
        return "cjk"
    if char.isalpha() and (
        "a" <= char <= "z" or "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"
    ):
        return "latin"
    return None


def _han_or_kana(text: str, conversation: str | None) -> str:
    """Chinese or Japanese for text in Han and kana (kana alone is Japanese)."""
    decided = han_language(text)
    if decided is not None:
        return decided
    if any("\u3040" <= c <= "\u30ff" or "\uff66" <= c <= "\uff9d" for c in text):
        return "ja"
    # Han that both write alike ("警察"): a Chinese conversation stays Chinese.
    return "zh" if conversation == "zh" else "ja"


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        script = _script(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + (_CJK_WEIGHT if script == "cjk" else 1)
    return counts


def _script_language(text: str, conversation: str | None, counts: dict[str, int]) -> str | None:
    # A few letters of a script only one language here writes name it even among Latin
    # words: English is everyone's second language ("thank you ค่ะ", "help me ပါ", "ma
    # student ho, मलाई डर लाग्छ"), and no one else types these scripts.
    own = [script for script in _OWN_SCRIPT if counts.get(script)]
    if own:
        return max(own, key=lambda script: counts[script])
    # Han and kana, shared by two languages, name one only when they outweigh Latin letters
    # ("I work in 大阪" stays English).
    cjk = counts.get("cjk", 0)
    if not cjk or cjk < counts.get("latin", 0):
        return None
    return _han_or_kana(text, conversation)


def _marker_scores(text: str, among: Collection[str]) -> dict[str, int]:
    words = _WORD.findall(text)
    scores = {language: 0 for language in _MARKERS if language in among}
    for word in words:
        for language in scores:
            scores[language] += _MARKERS.get(language, {}).get(word, 0)
        if "ne" in scores and NEPALI_ENDING.fullmatch(word):
            scores["ne"] += 2
    for first, second in pairwise(words):
        marker = _BIGRAMS.get(f"{first} {second}")
        if marker and marker[0] in scores:
            scores[marker[0]] += marker[1]
    vietnamese = len(_VIETNAMESE_LETTERS.findall(text))
    if "vi" in scores:
        scores["vi"] += 2 * vietnamese
    if "es" in scores:
        if _SPANISH_PUNCTUATION.intersection(text):
            scores["es"] += 2
        if _SPANISH_ACCENTS.intersection(text) and not vietnamese:
            scores["es"] += 1
    return scores


def guess(text: str, conversation: str | None = None, among: Collection[str] = KNOWN) -> str | None:
    """The language of ``text`` among ``among``; None when there is no clear signal.

    ``conversation`` is the conversation's language so far: Han that Chinese and Japanese
    write alike keeps a Chinese conversation Chinese.
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    if is_button_payload(text):  # after NFKC, a full-width "／" counts too
        return None
    counts = _script_counts(text)
    by_script = _script_language(text, conversation, counts)
    if by_script is not None:
        if by_script == "zh" and "zh" not in among:
            by_script = "ja"  # until Chinese is registered, Han reads as Japanese
        return by_script if by_script in among else None
    ranked = sorted(_marker_scores(text, among).items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return None
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if top >= _MIN_SCORE and top > runner_up:
        return best
    return None


def detect(text: str, conversation: str | None = None) -> Language | None:
    """Guess the registered language of ``text``; None when there is no clear signal."""
    return cast("Language | None", guess(text, conversation, LANGUAGES))
