"""Word or character n-gram counts of whole messages: what the linear classifier reads."""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from kakekomi_bot.code_fingerprint import code_fingerprint

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountsFeaturizer(CountVectorsFeaturizer):
    """Rasa's CountVectorsFeaturizer (same options, vocabulary and stored model), counting
    each message's text as a whole only, all messages in one call.

    Rasa's also counts every token apart (sequence features) in two calls per message: our
    classifier never reads those, and making them, fingerprinting them for Rasa's training
    cache and carrying them through the pipeline took most of the training time. The
    sentence features are the same numbers, so the model is the same.
    """

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Our code's hash: Rasa's cache would otherwise miss changes outside this class."""
        return code_fingerprint()

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets each message's sentence features for its text."""
        vectorizer = (self.vectorizers or {}).get(TEXT)
        if vectorizer is None:
            logger.error("There is no trained CountVectorizer for the text.")
            return messages
        featurized, texts = [], []
        for message in messages:
            tokens = self._get_processed_message_tokens_by_attribute(message, TEXT)
            if tokens:
                featurized.append(message)
                texts.append(" ".join(tokens))
        if not texts:
            return messages
        counts = vectorizer.transform(texts)
        counts.sort_indices()
        for message, row in zip(featurized, counts, strict=True):
            self.add_features_to_message(None, row.tocoo(), TEXT, message)
        return messages
