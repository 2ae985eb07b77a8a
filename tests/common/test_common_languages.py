"""The registered languages: one record per code, in the Literal's order."""

from __future__ import annotations

from typing import get_args

import pytest

from kakekomi_common import languages


def test_every_code_has_exactly_one_record_in_the_same_order() -> None:
    assert tuple(info.code for info in languages.REGISTERED) == languages.CODES
    assert len(set(languages.CODES)) == len(languages.CODES)


@pytest.mark.parametrize("info", languages.REGISTERED, ids=lambda info: info.code)
def test_each_record_is_complete(info: languages.LanguageInfo) -> None:
    assert info.english_name and info.native_name
    assert info.script in get_args(languages.Script)
    assert languages.info(info.code) is info
    assert not set(info.aliases) & set(languages.CODES)


def test_is_registered_refuses_anything_else() -> None:
    assert languages.is_registered("th")
    for other in ("TH", "fil", "", None, 1, ["en"]):
        assert not languages.is_registered(other)
    with pytest.raises(KeyError):
        languages.info("xx")
