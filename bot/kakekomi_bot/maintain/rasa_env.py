"""The environment Rasa commands run in, shared by train, validate and evaluate."""

from __future__ import annotations

import os


def rasa_env() -> dict[str, str]:
    """Environment for Rasa commands: no telemetry, quiet TensorFlow."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
