"""Rasa checks every action server answer with `jsonschema.validate`, which first checks the
schema itself against its meta-schema, on every call. Profiled with py-spy on the CI model,
that schema check was about half of Rasa's CPU time per message (make bench: README).

`install()` replaces `jsonschema.validate` with the same function that checks each distinct
schema once and keeps its validator: the same errors for the same inputs, as jsonschema's
own documentation recommends ("If you know you have a valid schema already ...").
The launcher (kakekomi_bot.private_logs) installs it before Rasa starts.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema import exceptions, validators

_ORIGINAL = jsonschema.validate


@lru_cache(maxsize=64)
def _checked_validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # a bad schema raises SchemaError and is not cached
    return cls(schema)


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate`, with each schema checked once rather than on every call."""
    if cls is not None or args or kwargs:
        _ORIGINAL(instance, schema, cls, *args, **kwargs)
        return
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        _ORIGINAL(instance, schema)  # a schema JSON cannot hold: no caching
        return
    error = exceptions.best_match(_checked_validator(key).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Rasa imports `validate` from jsonschema at call time, so this reaches every use."""
    jsonschema.validate = validate
    validators.validate = validate
