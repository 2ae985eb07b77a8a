"""Burmese typed in Zawgyi reaches Rasa (and everything after the gateway) in Unicode."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from tests.api.conftest import FakeRasa

pytestmark = pytest.mark.anyio

# "I have nowhere to sleep", typed in Zawgyi (ေ before its consonant, asat at U+1039, the
# medials shifted by one), and the same sentence in Unicode.
ZAWGYI = (
    "\u1000\u103a\u103c\u1014\u1039\u1019 \u1021\u102d\u1015\u1039\u1005\u101b\u102c"
    "\u1031\u1014\u101b\u102c \u1019\u101b\u103d\u102d\u1018\u1030\u1038"
)
UNICODE = "ကျွန်မ အိပ်စရာနေရာ မရှိဘူး"


async def test_zawgyi_is_converted_before_rasa_sees_it(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    response = await client.post("/api/chat", json={"text": ZAWGYI})
    assert response.status_code == 200
    assert rasa.messages[-1]["message"] == UNICODE


@pytest.mark.parametrize("text", [UNICODE, "ကူညီပါ", "လစာ", "မႂ်ႇသုင်ၶႃႈ"])
async def test_unicode_burmese_and_shan_pass_unchanged(
    client: httpx.AsyncClient, rasa: FakeRasa, text: str
) -> None:
    response = await client.post("/api/chat", json={"text": text})
    assert response.status_code == 200
    assert rasa.messages[-1]["message"] == text
