"""On the real model: music, alarms and the weather are out of scope in every language."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest
import structlog
from kakekomi_bot.maintain import paths

# Issue 12's "done when", written for this test (not benchmark or training lines).
REQUESTS = {
    "en": ["play some music", "set an alarm for 6", "what's the weather in Osaka"],
    "ja": ["音楽をかけて", "6時にアラームをセットして", "大阪の天気はどう？"],
    "th": ["เปิดเพลงหน่อย", "ตั้งนาฬิกาปลุกหกโมง", "อากาศที่โอซาก้าเป็นยังไง"],
    "tl": ["magpatugtog ka ng music", "mag-set ka ng alarm ng 6", "ano ang panahon sa Osaka"],
    "es": ["pon algo de música", "pon una alarma a las 6", "qué tiempo hace en Osaka"],
    "id": ["puterin musik dong", "pasang alarm jam 6", "cuaca di Osaka gimana"],
}


def the_model() -> Path:
    """KAKEKOMI_TEST_MODEL, else the model for the current data (`make model` trains it)."""
    model = Path(
        os.environ.get("KAKEKOMI_TEST_MODEL") or paths.model_path(paths.CONFIG, paths.MODELS)
    )
    if not model.is_file():
        pytest.skip(f"no model at {model} (make model); this test never trains")
    return model


def parse_texts(model: Path, texts: list[str]) -> dict[str, Any]:
    """Each text's intent, as the real model (and DangerGuard) answers it."""
    from rasa.core.agent import Agent

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    async def run() -> dict[str, Any]:
        agent = Agent.load(str(model))
        return {text: (await agent.parse_message(text))["intent"] for text in texts}

    return asyncio.run(run())


def parse_all(model: Path) -> dict[str, Any]:
    return parse_texts(model, [text for texts in REQUESTS.values() for text in texts])


def test_everyday_requests_get_the_out_of_scope_answer_never_the_emergency_one() -> None:
    intents = parse_all(the_model())
    wrong = {t: i["name"] for t, i in intents.items() if i["name"] != "out_of_scope"}
    assert wrong == {}
