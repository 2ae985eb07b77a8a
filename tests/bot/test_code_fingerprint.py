"""A change to our component code, or to the shared code it calls, retrains what it affects."""

from __future__ import annotations

import pytest
from kakekomi_bot import code_fingerprint as fingerprint_module
from kakekomi_bot import danger_guard, linear_classifier, tokenizer
from kakekomi_bot.maintain import paths
from rasa.engine.training.fingerprinting import calculate_fingerprint_key

COMPONENTS = [
    (tokenizer, tokenizer.ScriptAwareTokenizer),
    (linear_classifier, linear_classifier.LinearIntentClassifier),
    (danger_guard, danger_guard.DangerGuard),
]


def test_the_model_name_covers_the_shared_code_the_tokenizer_calls() -> None:
    names = {path.relative_to(paths.ROOT).as_posix() for path in paths.COMPONENT_CODE}
    assert {
        "bot/kakekomi_bot/tokenizer.py",
        "bot/kakekomi_bot/linear_classifier.py",
        "bot/kakekomi_bot/danger_guard.py",
        "common/kakekomi_common/han.py",
        "common/kakekomi_common/burmese.py",
    } <= names


@pytest.mark.parametrize(("module", "component"), COMPONENTS)
def test_rasas_training_cache_key_changes_with_our_code(
    monkeypatch: pytest.MonkeyPatch, module: object, component: type
) -> None:
    # Rasa keys a cached output on the class's source only; a module-level pattern or
    # kakekomi_common.han changing must change the key too, or the old output is reused.
    keys = set()
    for code in ("old code", "new code"):
        monkeypatch.setattr(module, "code_fingerprint", lambda code=code: code)
        keys.add(calculate_fingerprint_key(component, {}, {}))
    assert len(keys) == 2


def test_the_fingerprint_is_of_the_files() -> None:
    assert len(fingerprint_module.code_fingerprint()) == 64
    assert len(fingerprint_module.code_files()) == len(fingerprint_module.MODULES)
