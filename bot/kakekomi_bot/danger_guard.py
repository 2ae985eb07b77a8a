"""A safety net after the classifier: danger words are never answered with small talk."""

from __future__ import annotations

import json
import logging
import unicodedata
from typing import Any

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kakekomi_bot.code_fingerprint import code_fingerprint

logger = logging.getLogger(__name__)

# Lookup tables in the NLU data, and the intent that a message matching one becomes.
# Danger first: a message with both kinds of words is an emergency.
LOOKUPS = {"danger": "emergency", "help_cues": "request_help"}
# Scripts written without spaces between words (Thai, Burmese, Japanese) are matched
# anywhere; others only as whole words, so that "kill" does not fire inside "skill".
_UNSPACED = regex.compile(r"[\p{Thai}\p{Myanmar}\p{Hiragana}\p{Katakana}\p{Han}]")


def compile_terms(terms: list[str]) -> regex.Pattern[str] | None:
    """One case-insensitive pattern matching any of the terms."""
    parts = []
    composed = {unicodedata.normalize("NFC", t.strip().lower()) for t in terms if t.strip()}
    for term in sorted(composed, key=len, reverse=True):
        escaped = regex.escape(term)
        parts.append(escaped if _UNSPACED.search(term) else rf"(?<!\w){escaped}(?!\w)")
    return regex.compile("|".join(parts), regex.IGNORECASE) if parts else None


def _ranking(message: Message) -> list[dict[str, Any]]:
    """The classifier's intents, best first, without the fallback's own entry."""
    return [
        ranked
        for ranked in message.get(INTENT_RANKING_KEY) or []
        if ranked.get(INTENT_NAME_KEY) != "nlu_fallback"
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerGuard(GraphComponent):
    """Keeps cries for help from being answered as small talk or "not understood".

    1. A danger term or help cue in a message the classifier did not call a help request
       makes it one, read in context: small talk and an unsure answer ("not understood")
       are always overridden; a confident answer (at least `keep_confidence`) that it is an
       everyday request or one of our topics is kept, since the classifier learnt the
       harmless uses of these words ("my coach will kill me if i'm late") from the training
       data's idioms. A danger term makes `emergency` when the classifier gives emergency at
       least `word_emergency_confidence` (and, with `word_emergency_best`, as its best guess),
       otherwise `request_help`: the word alone sends no one to a police box; a help cue
       (asking to be called back) makes `request_help`.
    2. When unsure, a call for help is the safe mistake: a fallback (low confidence) whose
       best guess was a help intent keeps that guess, and a help intent that the classifier
       gives at least `help_confidence` wins over any other intent, unless the classifier
       is sure that the message is an everyday request (at least `out_of_scope_keep`) or
       a question on one of our topics (at least `topic_keep`).

    An unsure guess of `emergency` (rule 2) below `emergency_confidence` is answered as
    `request_help`: still a help answer, without sending a music request to the police.

    The defaults trust the word alone (every match overrides, as emergency); bot/config.yml
    sets the measured values (docs/maintaining.md).

    The words are the `danger` and `help_cues` lookup tables in the NLU data
    (nlu_data/nlu/<lang>/danger.yml, help_cues.yml), so maintainers edit them as YAML and
    Rasa retrains this component when they change.
    """

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Our code's hash: Rasa's cache would otherwise miss changes outside this class."""
        return code_fingerprint()

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            "help_intents": ["request_help", "emergency"],
            "help_confidence": 0.25,
            # Answers that a danger word never keeps, however confident the classifier is.
            "small_talk_intents": ["greet", "goodbye", "affirm", "deny", "thank", "bot_challenge"],
            # A danger word in a message the classifier confidently calls an everyday request
            # or one of our topics ("this heat is killing me, when does it rain") is an idiom,
            # not danger (1.01: never).
            "keep_confidence": 1.01,
            # A danger word makes `emergency` only when the classifier gives it this much;
            # below, `request_help` (0.0: always `emergency`).
            "word_emergency_confidence": 0.0,
            # ... and, when true, only when emergency is the classifier's best guess: a
            # game or a film that it reads as everyday, unsure, gets the help answer, not
            # the police box.
            "word_emergency_best": False,
            # An unsure guess of `emergency` below this becomes `request_help`: the help
            # answer is the safe mistake, the police-box answer to "play music" is not.
            "emergency_confidence": 0.0,
            # A faint help intent (rule 2) does not win over an everyday answer this sure
            # ("play something sad"): the help answer to a weather question is a false
            # alarm too (1.01: it always wins).
            "out_of_scope_keep": 1.01,
            # ... nor over a topic answer this sure ("can the embassy send me home without my
            # passport": the embassy answer, with its contacts, not the handoff offer).
            # A topic is any intent that is not small talk, a help intent or out_of_scope.
            "topic_keep": 1.01,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        terms: dict[str, list[str]] | None = None,
    ) -> None:
        """Creates the guard with its terms: lookup table name -> terms."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._use(terms or {})

    def _use(self, terms: dict[str, list[str]]) -> None:
        self.terms = {name: sorted(set(terms.get(name, []))) for name in LOOKUPS}
        self._patterns = {name: compile_terms(found) for name, found in self.terms.items()}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerGuard:
        """Creates an untrained guard."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the danger terms and help cues from the training data's lookup tables."""
        terms: dict[str, list[str]] = {name: [] for name in LOOKUPS}
        for table in training_data.lookup_tables:
            if table.get("name") in terms:
                terms[table["name"]].extend(str(term) for term in table.get("elements", []))
        self._use(terms)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "terms.json").write_text(json.dumps(self.terms), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerGuard:
        """Loads the trained list of terms."""
        with model_storage.read_from(resource) as directory:
            terms = json.loads((directory / "terms.json").read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, terms)

    def matching_lookup(self, text: str) -> str | None:
        """The first lookup table (danger before help cues) with a term in the text."""
        # Vietnamese keyboards may send tone marks as combining characters (NFD); the
        # terms are composed (NFC), so the text must be too or "cứu em" would not match.
        composed = unicodedata.normalize("NFC", text or "")
        for name, pattern in self._patterns.items():
            if pattern and pattern.search(composed):
                return name
        return None

    def mentions_danger(self, text: str) -> bool:
        """Whether the text contains one of the danger terms."""
        return self.matching_lookup(text) == "danger"

    def _help_guess(self, message: Message) -> dict[str, Any] | None:
        """The classifier's best help intent, if the safe-mistake rule lets it win."""
        unsure = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == "nlu_fallback"
        ranking = _ranking(message)
        if ranking and self._sure(ranking[0]):
            return None
        for position, ranked in enumerate(ranking):
            if ranked.get(INTENT_NAME_KEY) in self._config["help_intents"]:
                confident = ranked.get("confidence", 0.0) >= self._config["help_confidence"]
                return dict(ranked) if confident or (unsure and position == 0) else None
        return None

    def _sure(self, best: dict[str, Any]) -> bool:
        """Whether the best guess is an everyday or topic answer sure enough to keep."""
        name, confidence = best.get(INTENT_NAME_KEY), best.get("confidence", 0.0)
        if name == "out_of_scope":
            return bool(confidence >= self._config["out_of_scope_keep"])
        not_topics = {*self._config["small_talk_intents"], *self._config["help_intents"]}
        return name not in not_topics and confidence >= self._config["topic_keep"]

    def _kept(self, intent: dict[str, Any]) -> bool:
        """Whether the classifier is sure enough of an everyday or topic answer to keep it."""
        return (
            intent.get(INTENT_NAME_KEY) not in {"nlu_fallback", *self._config["small_talk_intents"]}
            and intent.get("confidence", 0.0) >= self._config["keep_confidence"]
        )

    def _word_intent(self, lookup: str, message: Message) -> str:
        """What a matched word makes of the message: emergency only if the classifier agrees."""
        if LOOKUPS[lookup] != "emergency":
            return LOOKUPS[lookup]
        ranking = _ranking(message)
        emergency = max(
            (r.get("confidence", 0.0) for r in ranking if r.get(INTENT_NAME_KEY) == "emergency"),
            default=0.0,
        )
        best: dict[str, Any] = max(ranking, key=lambda r: r.get("confidence", 0.0), default={})
        agrees = emergency >= self._config["word_emergency_confidence"] and (
            not self._config["word_emergency_best"] or best.get(INTENT_NAME_KEY) == "emergency"
        )
        return "emergency" if agrees else "request_help"

    def process(self, messages: list[Message]) -> list[Message]:
        """Applies both rules to each message's predicted intent."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name in self._config["help_intents"]:
                continue
            if not self._kept(intent) and (lookup := self.matching_lookup(message.get(TEXT))):
                replacement = {**intent, INTENT_NAME_KEY: self._word_intent(lookup, message)}
            elif guess := self._help_guess(message):
                replacement = guess
                if (
                    guess[INTENT_NAME_KEY] == "emergency"
                    and guess.get("confidence", 0.0) < self._config["emergency_confidence"]
                ):
                    replacement = {**guess, INTENT_NAME_KEY: "request_help"}
            else:
                continue
            logger.info("danger_guard.override from=%s", name)
            message.set(INTENT, replacement, add_to_output=True)
        return messages
