"""A tokenizer for five languages in one model: Thai, Japanese and space-separated scripts."""

from __future__ import annotations

from collections.abc import Iterator
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

# Runs of one script. Japanese covers kana, kanji, the prolonged sound mark and the
# iteration mark; everything else is split like Rasa's WhitespaceTokenizer would.
_RUNS = regex.compile(
    r"(?P<th>[\p{Thai}]+)"
    r"|(?P<ja>[\p{Hiragana}\p{Katakana}\p{Han}ーｰ々〆ヵヶ]+)"
    r"|(?P<other>[^\p{Thai}\p{Hiragana}\p{Katakana}\p{Han}ーｰ々〆ヵヶ]+)"
)
# A word in a space-separated script: letters and digits, with inner apostrophes,
# dots or hyphens kept ("don't", "10.000", "e-mail").
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_]+(?:['’.\-][\p{L}\p{M}\p{N}_]+)*")
# Sudachi parts of speech that carry no meaning for intent classification.
_SKIPPED_POS = {"補助記号", "空白"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ScriptAwareTokenizer(Tokenizer):
    """Tokenizes Thai with pythainlp, Japanese with SudachiPy, other scripts by words."""

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

    @staticmethod
    def required_packages() -> list[str]:
        """Packages needed by this component."""
        return ["pythainlp", "sudachipy", "sudachidict_core"]

    def __init__(self, config: dict[str, Any]) -> None:
        """Initializes the tokenizer and loads the Japanese dictionary once."""
        super().__init__(config)
        mode = getattr(SplitMode, str(self._config["sudachi_mode"]).upper())
        self._sudachi = Dictionary(dict="core").tokenizer(mode=mode)
        self._thai_engine = self._config["thai_engine"]

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

    def words(self, text: str) -> Iterator[tuple[str, int, str | None]]:
        """Yields (word, start offset, lemma or None) for every word in the text."""
        for run in _RUNS.finditer(text):
            start = run.start()
            if run.group("th"):
                yield from self._thai(run.group(), start)
            elif run.group("ja"):
                yield from self._japanese(run.group(), start)
            else:
                for word in _WORD.finditer(run.group()):
                    yield word.group(), start + word.start(), None

    def _thai(self, run: str, offset: int) -> Iterator[tuple[str, int, str | None]]:
        position = 0
        for word in thai_word_tokenize(run, engine=self._thai_engine, keep_whitespace=False):
            found = run.find(word, position)
            if found < 0:  # pythainlp never rewrites text, but never trust offsets blindly
                continue
            position = found + len(word)
            yield word, offset + found, None

    def _japanese(self, run: str, offset: int) -> Iterator[tuple[str, int, str | None]]:
        for morpheme in self._sudachi.tokenize(run):
            if morpheme.part_of_speech()[0] in _SKIPPED_POS:
                continue
            surface = morpheme.surface()
            yield surface, offset + morpheme.begin(), morpheme.normalized_form()
