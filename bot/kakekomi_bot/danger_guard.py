"""A safety net after the classifier: danger words are never answered with small talk."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

LOOKUP_TABLE = "danger"
SMALL_TALK = frozenset(
    {
        "greet",
        "goodbye",
        "affirm",
        "deny",
        "thank",
        "bot_challenge",
        "out_of_scope",
        "nlu_fallback",
    }
)
# Scripts written without spaces are matched anywhere; others only as whole words,
# so that "kill" does not fire inside "skill".
_UNSPACED = regex.compile(r"[\p{Thai}\p{Hiragana}\p{Katakana}\p{Han}]")


def compile_terms(terms: List[Text]) -> Optional[regex.Pattern]:
    """One case-insensitive pattern matching any of the terms."""
    parts = []
    for term in sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True):
        escaped = regex.escape(term)
        parts.append(escaped if _UNSPACED.search(term) else rf"(?<!\w){escaped}(?!\w)")
    return regex.compile("|".join(parts), regex.IGNORECASE) if parts else None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class DangerGuard(GraphComponent):
    """Turns a small-talk or fallback prediction into `emergency` when danger words appear.

    The words are the `danger` lookup table in the NLU data (nlu_data/nlu/<lang>/danger.yml),
    so maintainers edit them as YAML and Rasa retrains this component when they change.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {"target_intent": "emergency"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        terms: Optional[List[Text]] = None,
    ) -> None:
        """Creates the guard with its list of danger terms."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.terms = terms or []
        self._pattern = compile_terms(self.terms)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerGuard:
        """Creates an untrained guard."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the danger terms from the training data's lookup table."""
        terms: List[Text] = []
        for table in training_data.lookup_tables:
            if table.get("name") == LOOKUP_TABLE:
                terms.extend(str(term) for term in table.get("elements", []))
        self.terms = sorted(set(terms))
        self._pattern = compile_terms(self.terms)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "terms.json").write_text(json.dumps(self.terms), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerGuard:
        """Loads the trained list of terms."""
        with model_storage.read_from(resource) as directory:
            terms = json.loads((directory / "terms.json").read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, terms)

    def mentions_danger(self, text: Text) -> bool:
        """Whether the text contains one of the danger terms."""
        return bool(self._pattern and self._pattern.search(text or ""))

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides small talk with the emergency intent when the text speaks of danger."""
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) in SMALL_TALK and self.mentions_danger(
                message.get(TEXT)
            ):
                logger.info("danger_guard.override from=%s", intent.get(INTENT_NAME_KEY))
                message.set(
                    INTENT,
                    {**intent, INTENT_NAME_KEY: self._config["target_intent"]},
                    add_to_output=True,
                )
        return messages
