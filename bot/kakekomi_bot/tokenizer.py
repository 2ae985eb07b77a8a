"""A tokenizer for every language in one model: each script split the way it needs."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

import regex
from pythainlp.tokenize import word_tokenize as thai_word_tokenize
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from sudachipy import Dictionary, SplitMode

from kakekomi_bot.code_fingerprint import code_fingerprint
from kakekomi_common.burmese import SYLLABLE_START, from_zawgyi, is_zawgyi
from kakekomi_common.han import han_language

# Runs of one script. CJK covers kana, Han, the prolonged sound mark and the iteration
# mark; Myanmar its three blocks; everything else is split like Rasa's WhitespaceTokenizer.
_CJK = r"\p{Hiragana}\p{Katakana}\p{Han}ーｰ々〆ヵヶ"
_MYANMAR = r"\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"
_RUNS = regex.compile(
    rf"(?P<th>\p{{Thai}}+)|(?P<cjk>[{_CJK}]+)|(?P<my>[{_MYANMAR}]+)"
    rf"|(?P<other>[^\p{{Thai}}{_CJK}{_MYANMAR}]+)"
)
# Inside a Chinese message: Han for jieba, kana (パスポート) for Sudachi.
_HAN_OR_KANA = regex.compile(r"(?P<han>[\p{Han}々〆]+)|(?P<kana>[^\p{Han}々〆]+)")
# A word in a space-separated script: letters, marks (Devanagari vowel signs and virama,
# Vietnamese tone marks typed as combining characters) and digits, with the zero-width
# joiners of Devanagari conjuncts, and inner apostrophes, dots or hyphens kept ("don't",
# "10.000", "e-mail").
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_\u200c\u200d]+(?:['’.\-][\p{L}\p{M}\p{N}_\u200c\u200d]+)*")
_MYANMAR_PUNCTUATION = frozenset("\u104a\u104b")
# Sudachi parts of speech that carry no meaning for intent classification.
_SKIPPED_POS = {"補助記号", "空白"}

Word = tuple[str, int, str | None]


@cache
def _jieba() -> Any:
    """jieba's segmenter, loaded once per process, quietly, writing nowhere that lasts."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    # jieba caches its parsed dictionary in the shared temp dir under a fixed name, which
    # anyone on the machine could plant: build it in a private directory, then delete it.
    private = tempfile.mkdtemp(prefix="kakekomi-jieba-")
    try:
        segmenter.tmp_dir = private
        segmenter.initialize()
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return segmenter


_JIEBA_LOCK = threading.Lock()


def _simplified(text: str) -> str:
    """Traditional characters as simplified ones, one for one (else the text unchanged)."""
    from hanziconv import HanziConv

    converted: str = HanziConv.toSimplified(text)
    return converted if len(converted) == len(text) else text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ScriptAwareTokenizer(Tokenizer):
    """Thai with pythainlp, Japanese with SudachiPy, Chinese with jieba, Burmese by syllables."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # SudachiPy split mode: A (short units) generalises best on little data.
            "sudachi_mode": "A",
            # pythainlp's dictionary-based engine; ships with the package, works offline.
            "thai_engine": "newmm",
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Our code's hash: Rasa's cache would otherwise miss changes outside this class."""
        return code_fingerprint()

    @staticmethod
    def required_packages() -> list[str]:
        """Packages needed by this component."""
        return ["pythainlp", "sudachipy", "sudachidict_core", "jieba", "hanziconv"]

    def __init__(self, config: dict[str, Any]) -> None:
        """Initializes the tokenizer and loads the Japanese and Chinese dictionaries once."""
        super().__init__(config)
        mode = getattr(SplitMode, str(self._config["sudachi_mode"]).upper())
        self._sudachi = Dictionary(dict="core").tokenizer(mode=mode)
        self._thai_engine = self._config["thai_engine"]
        with _JIEBA_LOCK:
            self._jieba = _jieba()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ScriptAwareTokenizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Splits the attribute's text into tokens with character offsets."""
        text = message.get(attribute) or ""
        tokens = [Token(word, start, lemma=lemma) for word, start, lemma in self.words(text)]
        if not tokens:
            # Like Rasa's tokenizers: a text of only symbols becomes one token.
            tokens = [Token(text, 0)]
        applied: list[Token] = self._apply_token_pattern(tokens)
        return applied

    def words(self, text: str) -> Iterator[Word]:
        """Yields (word, start offset, lemma or None) for every word in the text."""
        # The whole message decides whether its Han is Chinese (the gateway asks the same).
        chinese = han_language(text) == "zh"
        # Zawgyi is judged on the whole message: one short word says too little.
        zawgyi = is_zawgyi(text)
        for run in _RUNS.finditer(text):
            start = run.start()
            if run.group("th"):
                yield from self._thai(run.group(), start)
            elif run.group("cjk"):
                if chinese:
                    yield from self._chinese(run.group(), start)
                else:
                    yield from self._japanese(run.group(), start)
            elif run.group("my"):
                yield from self._burmese(run.group(), start, zawgyi)
            else:
                for word in _WORD.finditer(run.group()):
                    yield _spaced_word(word.group(), start + word.start())

    def _thai(self, run: str, offset: int) -> Iterator[Word]:
        position = 0
        for word in thai_word_tokenize(run, engine=self._thai_engine, keep_whitespace=False):
            found = run.find(word, position)
            if found < 0:  # pythainlp never rewrites text, but never trust offsets blindly
                continue
            position = found + len(word)
            yield word, offset + found, None

    def _japanese(self, run: str, offset: int) -> Iterator[Word]:
        for morpheme in self._sudachi.tokenize(run):
            if morpheme.part_of_speech()[0] in _SKIPPED_POS:
                continue
            surface = morpheme.surface()
            yield surface, offset + morpheme.begin(), morpheme.normalized_form()

    def _chinese(self, run: str, offset: int) -> Iterator[Word]:
        for part in _HAN_OR_KANA.finditer(run):
            start = offset + part.start()
            if part.group("kana"):
                yield from self._japanese(part.group(), start)
                continue
            # Segmented as simplified (jieba's dictionary is), so 護照 and 护照 are one feature.
            simplified = _simplified(part.group())
            for word, begin, end in self._jieba.tokenize(simplified):
                original = part.group()[begin:end]
                yield original, start + begin, word if word != original else None

    def _burmese(self, run: str, offset: int, zawgyi: bool) -> Iterator[Word]:
        unicode_run = from_zawgyi(run) if zawgyi else run
        starts = [m.start() for m in SYLLABLE_START.finditer(unicode_run)]
        bounds = zip([0, *starts], [*starts, len(unicode_run)], strict=True)
        for begin, end in bounds:
            syllable = unicode_run[begin:end]
            if not syllable or all(c in _MYANMAR_PUNCTUATION for c in syllable):
                continue
            if unicode_run is run:
                yield syllable, offset + begin, None
            else:
                # Zawgyi reorders and re-codes letters, so a converted syllable has no exact
                # place in what she typed: its offsets are where it would be, clamped.
                first = min(begin, len(run) - 1)
                last = max(first + 1, min(end, len(run)))
                yield run[first:last], offset + first, syllable


def _spaced_word(word: str, start: int) -> Word:
    # Vietnamese typed with combining tone marks and with precomposed ones must be one
    # feature: NFC is the lemma the featurizers count.
    composed = unicodedata.normalize("NFC", word)
    return word, start, composed if composed != word else None
