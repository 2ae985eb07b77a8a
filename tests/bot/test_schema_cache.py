"""The cached `jsonschema.validate` gives the original's answers and checks a schema once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from jsonschema import validators
from kakekomi_bot import schema_cache
from rasa.core.actions.action import RemoteAction

SCHEMA = RemoteAction.action_response_format_spec()
GOOD = {"events": [{"event": "slot", "name": "language", "value": "th"}], "responses": []}
BAD = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": [{"text": 3}], "events": []},
]


@pytest.fixture
def installed() -> Iterator[None]:
    original = jsonschema.validate
    schema_cache.install()
    yield
    jsonschema.validate = original
    validators.validate = original


def outcome(validate: Any, instance: Any, schema: Any) -> str | None:
    try:
        validate(instance, schema)
    except jsonschema.ValidationError as error:
        return f"{error.message} at {list(error.absolute_path)}"
    return None


@pytest.mark.parametrize("instance", [GOOD, *BAD])
def test_same_answer_as_jsonschema(instance: Any) -> None:
    assert outcome(schema_cache.validate, instance, SCHEMA) == outcome(
        schema_cache._ORIGINAL, instance, SCHEMA
    )


def test_a_bad_instance_is_refused() -> None:
    assert outcome(schema_cache.validate, BAD[0], SCHEMA) is not None


def test_each_schema_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = []
    real = validators.validator_for(SCHEMA)

    class Counting(real):  # type: ignore[misc, valid-type]
        @classmethod
        def check_schema(cls, schema: Any, *args: Any, **kwargs: Any) -> None:
            checks.append(1)
            super().check_schema(schema, *args, **kwargs)

    schema_cache._checked_validator.cache_clear()
    monkeypatch.setattr(validators, "validator_for", lambda schema, *a, **k: Counting)
    for _ in range(20):
        schema_cache.validate(GOOD, SCHEMA)
    assert len(checks) == 1
    schema_cache._checked_validator.cache_clear()


def test_an_invalid_schema_still_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError):
            schema_cache.validate({}, {"type": "no-such-type"})


def test_rasa_checks_action_answers_through_it(installed: None) -> None:
    action = RemoteAction("action_read_metadata", None)
    assert action._validate_action_result(GOOD)
    with pytest.raises(Exception, match="validate"):
        action._validate_action_result(BAD[0])
    assert jsonschema.validate is schema_cache.validate
