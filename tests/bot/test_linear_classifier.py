"""The linear intent classifier learns intents from n-gram counts and loads without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kakekomi_bot.linear_classifier import (
    LinearIntentClassifier,
    probabilities,
    sentence_features,
)
from kakekomi_bot.sentence_counts import SentenceCountsFeaturizer
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hello friend", "hi hi"],
    "ask_visa": ["my visa expires", "visa renewal", "how to extend my visa", "visa status"],
    "out_of_scope": ["play some music", "set an alarm", "weather tomorrow", "play a song"],
}


def context(name: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), name)


@pytest.fixture
def pipeline(tmp_path: Path) -> tuple[WhitespaceTokenizer, CountVectorsFeaturizer]:
    storage = LocalModelStorage(tmp_path)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    config = {**CountVectorsFeaturizer.get_default_config(), "max_ngram": 2}
    counts = CountVectorsFeaturizer.create(config, storage, Resource("cv"), context("cv"))
    return tokenizer, counts


def featurized(pipeline, messages: list[Message]) -> list[Message]:
    tokenizer, counts = pipeline
    tokenizer.process(messages)
    counts.process(messages)
    return messages


def test_trains_predicts_and_reloads_the_same_answers(tmp_path: Path, pipeline) -> None:
    tokenizer, counts = pipeline
    data = TrainingData(
        [Message({"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    )
    tokenizer.process_training_data(data)
    counts.train(data)
    counts.process_training_data(data)
    storage, resource = LocalModelStorage(tmp_path), Resource("linear")
    classifier = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, resource, context("linear")
    )
    classifier.train(data)
    texts = ["hello there", "visa extend", "play music please"]
    first = classifier.process(featurized(pipeline, [Message({"text": t}) for t in texts]))
    assert [m.get("intent")["name"] for m in first] == ["greet", "ask_visa", "out_of_scope"]
    ranking = first[0].get("intent_ranking")
    assert ranking[0]["name"] == "greet"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)

    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, resource, context("linear")
    )
    again = loaded.process(featurized(pipeline, [Message({"text": t}) for t in texts]))
    assert [m.get("intent") for m in again] == [m.get("intent") for m in first]


def test_sentence_features_are_rasas_own_combination(tmp_path: Path, pipeline) -> None:
    # The fast path builds, featurizer by featurizer, what Rasa combines message by message.
    tokenizer, counts = pipeline
    words = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 3},
        LocalModelStorage(tmp_path),
        Resource("chars"),
        context("chars"),
    )
    data = TrainingData(
        [Message({"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    )
    tokenizer.process_training_data(data)
    for featurizer in (counts, words):
        featurizer.train(data)
        featurizer.process_training_data(data)
    messages = data.intent_examples
    expected = sparse.vstack([m.get_sparse_features("text")[1].features for m in messages])
    combined = sentence_features(messages)
    assert combined.shape == expected.shape
    assert combined.shape[1] > len(counts.vectorizers["text"].vocabulary_)  # both featurizers
    assert (combined != expected.tocsr()).nnz == 0


def test_sentence_counts_are_rasas_sentence_features_without_the_sequences(
    tmp_path: Path,
) -> None:
    # SentenceCountsFeaturizer is Rasa's CountVectorsFeaturizer counting whole messages only.
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb"}
    storage = LocalModelStorage(tmp_path)
    theirs = CountVectorsFeaturizer.create(config, storage, Resource("rasa"), context("rasa"))
    ours = SentenceCountsFeaturizer.create(config, storage, Resource("ours"), context("ours"))
    texts = [t for texts in EXAMPLES.values() for t in texts]
    for featurizer in (theirs, ours):
        data = TrainingData([Message({"text": t, "intent": "x"}) for t in texts])
        tokenizer.process_training_data(data)
        featurizer.train(data)
    new = [Message({"text": t}) for t in [*texts, "unseen words here"]]
    tokenizer.process(new)
    expected = [m.get_sparse_features("text")[1].features for m in theirs.process(new)]
    tokenizer.process(new := [Message({"text": m.get("text")}) for m in new])
    ours.process(new)
    for message, rasas in zip(new, expected, strict=True):
        sequence, sentence = message.get_sparse_features("text")
        assert sequence is None
        assert (sentence.features.tocsr() != rasas.tocsr()).nnz == 0


def test_an_untrained_classifier_leaves_messages_alone(tmp_path: Path, pipeline) -> None:
    storage = LocalModelStorage(tmp_path)
    classifier = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("none"), context("x")
    )
    [message] = classifier.process([Message({"text": "hello"})])
    assert message.get("intent") is None


def test_probabilities_are_normalised_one_vs_rest_odds() -> None:
    rows = probabilities(np.array([[0.0, 0.0], [10.0, -10.0]]))
    assert rows[0] == pytest.approx([0.5, 0.5])
    assert rows[1][0] > 0.999
    assert rows.sum(axis=1) == pytest.approx([1.0, 1.0])


def _confidence(tmp_path: Path, pipeline, config: dict, extra: int) -> float:
    """The classifier's confidence in "hello there" after training on EXAMPLES plus `extra`
    copies of a second language whose words never occur in the first."""
    tokenizer, counts = pipeline
    examples = [Message({"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    for copy in range(extra):
        examples += [
            Message({"text": f"zz{copy}{n} {i}zz{copy}{n}", "intent": i})
            for i, texts in EXAMPLES.items()
            for n in range(len(texts))
        ]
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    counts.train(data)
    counts.process_training_data(data)
    folder = tmp_path / f"{len(config)}-{extra}"
    folder.mkdir()
    storage, resource = LocalModelStorage(folder), Resource("linear")
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config},
        storage,
        resource,
        context("linear"),
    )
    classifier.train(data)
    [message] = classifier.process(featurized(pipeline, [Message({"text": "hello there"})]))
    assert message.get("intent")["name"] == "greet"
    return float(message.get("intent")["confidence"])


def test_alpha_examples_keeps_a_languages_confidence_when_others_are_added(
    tmp_path: Path, pipeline
) -> None:
    # Adding a language must not flatten another's answers below the fallback threshold:
    # with the penalty scaled to the number of examples, its confidence stays; without, it
    # falls (measured: Thai and Spanish macro-F1 fell below 0.90 when Chinese was added).
    examples = sum(map(len, EXAMPLES.values()))
    scaled = {"alpha": 1e-2, "alpha_examples": examples}
    alone = _confidence(tmp_path, pipeline, scaled, extra=0)
    assert _confidence(tmp_path, pipeline, scaled, extra=3) == pytest.approx(alone, abs=0.05)
    fixed = {"alpha": 1e-2}
    assert _confidence(tmp_path, pipeline, fixed, extra=3) < alone - 0.1
