"""Contact cards: opening hours in Japan time, public holidays, and the order to try them."""

from __future__ import annotations

import asyncio
import datetime

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import cards, directory, hours
from actions.contacts import ActionContacts
from tests.actions.trackers import tracker

LANGUAGES = directory.LANGUAGES
JST = hours.JAPAN
WEEKDAY_AFTERNOON = datetime.datetime(2026, 12, 9, 15, 0, tzinfo=JST)  # a Wednesday
SUNDAY_NIGHT = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=JST)
HOLIDAY = datetime.datetime(2026, 11, 23, 14, 0, tzinfo=JST)  # Labour Thanksgiving, a Monday
TWO_AM_TUESDAY = datetime.datetime(2026, 12, 8, 2, 0, tzinfo=JST)


def ids(topic: str, language: str, now: datetime.datetime) -> list[str]:
    return [card["id"] for card in cards.cards_for(topic, language, now)]


def by_id(topic: str, language: str, now: datetime.datetime) -> dict[str, dict]:
    return {card["id"]: card for card in cards.cards_for(topic, language, now)}


def test_public_holidays_come_from_the_offline_calendar() -> None:
    assert hours.is_public_holiday(datetime.date(2026, 11, 23))
    assert hours.is_public_holiday(datetime.date(2027, 1, 11))  # Coming of Age Day
    assert not hours.is_public_holiday(datetime.date(2026, 12, 9))


def test_weekday_afternoon_the_line_in_her_language_comes_first() -> None:
    # OTIT's Chinese, Vietnamese, Indonesian and Filipino lines are not for her (their
    # `audience`); its English line is, since no Thai line was found.
    assert ids("ask_rights", "th", WEEKDAY_AFTERNOON) == [
        "houterasu",  # open, Thai
        "police",  # open
        "tokyo_police_english",  # open
        "otit_english",  # Tuesdays and Thursdays
        "labour_hotline",  # opens at 17:00
    ]
    houterasu = by_id("ask_rights", "th", WEEKDAY_AFTERNOON)["houterasu"]
    assert houterasu["status"] == "open"
    assert houterasu["closes_at"] == "2026-12-09T17:00:00+09:00"
    assert houterasu["speaks_your_language"] is True
    labour = by_id("ask_rights", "th", WEEKDAY_AFTERNOON)["labour_hotline"]
    assert (labour["status"], labour["opens_at"]) == ("closed", "2026-12-09T17:00:00+09:00")


def test_a_trainee_on_tuesday_gets_the_lines_in_indonesian_first_otit_among_them() -> None:
    tuesday = WEEKDAY_AFTERNOON - datetime.timedelta(days=1)
    assert ids("ask_rights", "id", tuesday)[:2] == ["houterasu", "otit_indonesian"]
    otit = by_id("ask_rights", "id", tuesday)["otit_indonesian"]
    assert (otit["status"], otit["closes_at"]) == ("open", "2026-12-08T19:00:00+09:00")
    assert otit["speaks_your_language"] is True
    wednesday = by_id("ask_rights", "id", WEEKDAY_AFTERNOON)["otit_indonesian"]
    assert (wednesday["status"], wednesday["opens_at"]) == ("closed", "2026-12-10T11:00:00+09:00")


def test_in_english_the_english_police_line_leads() -> None:
    assert ids("ask_rights", "en", WEEKDAY_AFTERNOON)[0] == "tokyo_police_english"


def test_sunday_night_only_lines_open_now_lead_and_closed_ones_say_when_they_open() -> None:
    assert ids("ask_rights", "th", SUNDAY_NIGHT) == [
        "police",
        "tokyo_police_english",
        "houterasu",  # closed, but in Thai
        "otit_english",  # closed, a phone
        "labour_hotline",  # closed, no phone
    ]
    houterasu = by_id("ask_rights", "th", SUNDAY_NIGHT)["houterasu"]
    assert (houterasu["status"], houterasu["opens_at"]) == (
        "closed",
        "2026-12-07T09:00:00+09:00",
    )
    assert houterasu["closes_at"] is None


def test_on_a_public_holiday_weekday_lines_are_closed_and_holiday_hours_apply() -> None:
    found = by_id("ask_rights", "th", HOLIDAY)
    assert found["houterasu"]["status"] == "closed"
    assert found["houterasu"]["opens_at"] == "2026-11-24T09:00:00+09:00"
    assert found["labour_hotline"]["status"] == "open"  # 土日祝 9:00–21:00
    assert ids("ask_rights", "th", HOLIDAY) == [
        "police",
        "tokyo_police_english",
        "labour_hotline",
        "houterasu",
        "otit_english",  # closed on holidays
    ]
    # In Japanese every OTIT line is listed (she may be asking for someone): closed.
    assert ids("ask_rights", "ja", HOLIDAY) == [
        "police",
        "tokyo_police_english",
        "labour_hotline",
        "houterasu",
        "otit_chinese",  # its Monday slot does not list holidays
        "otit_vietnamese",  # closed on holidays
        "otit_indonesian",  # closed on holidays
        "otit_filipino",
        "otit_english",
    ]


def test_among_closed_lines_a_phone_comes_before_none() -> None:
    # Japanese sees every line (English and Japanese are written by people from anywhere).
    assert ids("ask_rights", "ja", SUNDAY_NIGHT) == [
        "police",
        "tokyo_police_english",
        "houterasu",  # closed, a phone
        "otit_chinese",
        "otit_vietnamese",
        "otit_indonesian",
        "otit_filipino",
        "otit_english",
        "labour_hotline",  # closed, no phone
    ]


def test_a_burmese_trainee_gets_otits_english_line_and_none_in_another_language() -> None:
    # No Burmese OTIT phone line was found; its English line is the one she can try.
    assert ids("ask_rights", "my", SUNDAY_NIGHT) == [
        "police",
        "tokyo_police_english",
        "labour_hotline",  # closed, but in Burmese
        "houterasu",  # closed, no Burmese
        "otit_english",
    ]


def test_a_filipino_trainee_on_tuesday_gets_otits_filipino_line_open_and_in_her_language() -> None:
    tuesday = WEEKDAY_AFTERNOON - datetime.timedelta(days=1)
    found = ids("ask_rights", "tl", tuesday)
    assert {"otit_filipino", "otit_english"} <= set(found)
    assert not {"otit_chinese", "otit_vietnamese", "otit_indonesian"} & set(found)
    otit = by_id("ask_rights", "tl", tuesday)["otit_filipino"]
    assert (otit["status"], otit["speaks_your_language"]) == ("open", True)
    assert found.index("otit_filipino") < found.index("otit_english")


def test_a_run_of_holidays_is_skipped_when_saying_when_it_opens() -> None:
    golden_week_sunday = datetime.datetime(2027, 5, 2, 12, 0, tzinfo=JST)
    houterasu = by_id("ask_rights", "th", golden_week_sunday)["houterasu"]
    assert houterasu["opens_at"] == "2027-05-06T09:00:00+09:00"


def test_a_lunch_break_closes_and_reopens() -> None:
    lunch = datetime.datetime(2026, 12, 9, 12, 45, tzinfo=JST)
    iom = by_id("ask_embassy", "en", lunch)["iom_japan"]
    assert (iom["status"], iom["opens_at"]) == ("closed", "2026-12-09T13:30:00+09:00")
    morning = by_id("ask_embassy", "en", lunch.replace(hour=10))["iom_japan"]
    assert (morning["status"], morning["closes_at"]) == ("open", "2026-12-09T12:30:00+09:00")


def test_hours_per_language_a_thai_chat_at_2am_is_closed_the_japanese_phone_is_open() -> None:
    thai = by_id("ask_shelter", "th", TWO_AM_TUESDAY)["dv_soudan_plus"]
    japanese = by_id("ask_shelter", "ja", TWO_AM_TUESDAY)["dv_soudan_plus"]
    assert (thai["status"], thai["opens_at"]) == ("closed", "2026-12-08T12:00:00+09:00")
    assert (japanese["status"], japanese["closes_at"]) == ("open", None)


def test_an_open_line_in_any_time_zone_of_the_clock_is_judged_in_japan_time() -> None:
    # 06:00 UTC on a Wednesday is 15:00 in Japan.
    utc = WEEKDAY_AFTERNOON.astimezone(datetime.timezone.utc)
    assert by_id("ask_rights", "th", utc)["houterasu"]["status"] == "open"


def test_unknown_hours_stay_unknown() -> None:
    embassy = by_id("ask_embassy", "th", WEEKDAY_AFTERNOON)["embassy_thailand"]
    assert (embassy["status"], embassy["opens_at"], embassy["hours"]) == ("unknown", None, None)


def test_in_chinese_the_lines_that_speak_it_lead_and_otit_says_when_it_opens() -> None:
    assert ids("ask_rights", "zh", WEEKDAY_AFTERNOON)[:2] == ["houterasu", "otit_chinese"]
    otit = by_id("ask_rights", "zh", SUNDAY_NIGHT)["otit_chinese"]
    assert (otit["status"], otit["opens_at"]) == ("closed", "2026-12-07T11:00:00+09:00")
    assert otit["speaks_your_language"] is True
    assert otit["helps_with"] == "工作和工资问题"


def test_a_vietnamese_trainee_gets_the_vietnamese_otit_line_and_not_the_others() -> None:
    assert ids("ask_rights", "vi", WEEKDAY_AFTERNOON) == [
        "houterasu",  # open, Vietnamese
        "otit_vietnamese",  # open, Vietnamese
        "police",
        "tokyo_police_english",
        "labour_hotline",  # opens at 17:00
    ]
    for topic in ("ask_visa", "ask_debt", "request_help"):
        listed = ids(topic, "vi", WEEKDAY_AFTERNOON)
        assert "otit_vietnamese" in listed
        assert not {"otit_chinese", "otit_indonesian"} & set(listed), topic


# The embassies and consular lines after an embassy question, per language, besides IOM
# (for every nationality): her country's only. Spanish gets Colombia's, the one listed.
EMBASSIES = {
    "th": {"embassy_thailand", "thai_mfa_call_centre"},
    "tl": {"embassy_philippines"},
    "es": {"embassy_colombia"},
    "zh": {"embassy_china", "china_embassy_protection", "china_mfa_12308"},
    "vi": {
        "embassy_vietnam",
        "embassy_vietnam_protection",
        "consulate_vietnam_osaka",
        "consulate_vietnam_fukuoka",
    },
    "my": {"embassy_myanmar"},
    "ne": {"embassy_nepal"},
    "id": {"kbri_tokyo", "kbri_tokyo_hotline", "kjri_osaka_hotline"},
}


@pytest.mark.parametrize("language", sorted(EMBASSIES))
def test_an_embassy_question_lists_her_countrys_embassy_and_no_other(language: str) -> None:
    assert set(ids("ask_embassy", language, WEEKDAY_AFTERNOON)) == {
        "iom_japan",
        *EMBASSIES[language],
    }


@pytest.mark.parametrize("language", ["en", "ja"])
def test_in_english_and_japanese_every_embassy_and_otit_line_is_listed(language: str) -> None:
    every_embassy = {"iom_japan"}.union(*EMBASSIES.values())
    assert set(ids("ask_embassy", language, WEEKDAY_AFTERNOON)) == every_embassy
    assert {"otit_chinese", "otit_vietnamese", "otit_indonesian"} <= set(
        ids("ask_rights", language, WEEKDAY_AFTERNOON)
    )


def test_entries_without_an_audience_are_listed_in_every_language() -> None:
    entries = directory.load(directory.DEFAULT_PATH)
    for_everyone = [entry for entry in entries if "audience" not in entry]
    assert {"police", "houterasu", "iom_japan", "dv_soudan_plus"} <= {e["id"] for e in for_everyone}
    for language in LANGUAGES:
        for entry in for_everyone:
            for topic in entry["topics"]:
                assert entry["id"] in ids(topic, language, WEEKDAY_AFTERNOON), (topic, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_topic_that_lists_contacts_lists_some_to_every_language(language: str) -> None:
    entries = directory.load(directory.DEFAULT_PATH)
    for topic in {topic for entry in entries for topic in entry["topics"]}:
        assert ids(topic, language, SUNDAY_NIGHT), topic
    assert directory.coverage_gaps(entries) == []


def test_the_text_lists_the_same_contacts_as_the_cards() -> None:
    message = cards.contacts_message("ask_embassy", "vi", WEEKDAY_AFTERNOON)
    assert message is not None
    assert "03-3466-3311" in message["text"]  # the Vietnamese embassy
    assert "+81-3-3403-3388" not in message["text"]  # the Chinese embassy
    assert "03-3441-4201" not in message["text"]  # KBRI Tokyo


@pytest.mark.parametrize("now", [WEEKDAY_AFTERNOON, SUNDAY_NIGHT, HOLIDAY])
@pytest.mark.parametrize("language", directory.LANGUAGES)
def test_in_an_emergency_110_then_119_lead(now: datetime.datetime, language: str) -> None:
    assert ids("emergency", language, now)[:2] == ["police", "ambulance"]


def test_cards_carry_tel_numbers_from_the_directory_only() -> None:
    raw = directory.DEFAULT_PATH.read_text(encoding="utf-8")
    for topic in ("emergency", "ask_rights", "ask_embassy", "ask_shelter", "ask_debt"):
        for card in (
            c for lang in LANGUAGES for c in cards.cards_for(topic, lang, WEEKDAY_AFTERNOON)
        ):
            if card["phone"]:
                assert card["phone"] in raw
                assert card["dial"] == card["phone"].replace("-", "")
            else:
                assert card["dial"] is None
    houterasu = by_id("ask_debt", "es", WEEKDAY_AFTERNOON)["houterasu"]
    assert (houterasu["dial"], houterasu["alt_dial"]) == ("0570078377", "05037545430")
    assert houterasu["helps_with"] == "Asesoría legal"
    assert houterasu["confirmed"] is False


def test_the_action_sends_the_cards_beside_the_text_at_its_clock() -> None:
    action = ActionContacts()
    action.clock = lambda: SUNDAY_NIGHT  # type: ignore[method-assign]
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker("ask_rights", "th"), {}))
    first = dispatcher.messages[0]
    sent = [card["id"] for card in first["custom"]["contacts"]]
    assert sent == ["police", "tokyo_police_english", "houterasu", "otit_english", "labour_hotline"]
    # The text lists the same contacts in the same order.
    lines = [line for line in first["text"].splitlines() if not line.startswith(" ")]
    assert lines[0].startswith("ตำรวจ (เหตุฉุกเฉิน): 110")
    assert "0570-078377" in lines[2]


@pytest.mark.parametrize(
    ("slot", "message"),
    [
        ({"days": ["mon"], "from": "17:00", "to": "09:00"}, "end after it starts"),
        ({"days": ["monday"], "from": "09:00", "to": "17:00"}, "days must be"),
        ({"days": ["mon"], "from": "9", "to": "17:00"}, "not a HH:MM"),
        ({"days": "all", "from": "09:00", "to": "17:00", "languages": ["xx"]}, "languages"),
    ],
)
def test_a_bad_opening_slot_fails_loudly(tmp_path, slot: dict, message: str) -> None:
    entry = {
        "id": "x",
        "kind": "legal",
        "name": dict.fromkeys(directory.LANGUAGES, "X"),
        "topics": ["ask_debt"],
        "source": "s",
        "verified": datetime.date(2026, 1, 1),
        "partner_confirmed": False,
        "open": [slot],
    }
    path = tmp_path / "directory.yml"
    kinds = {"legal": dict.fromkeys(directory.LANGUAGES, "Legal")}
    path.write_text(yaml.safe_dump({"kinds": kinds, "entries": [entry]}))
    with pytest.raises(ValueError, match=message):
        directory.load(path)


def sent_ids(intent: str, language: str, text: str) -> list[str]:
    action = ActionContacts()
    action.clock = lambda: WEEKDAY_AFTERNOON  # type: ignore[method-assign]
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(intent, language, text=text), {}))
    return [card["id"] for card in dispatcher.messages[0]["custom"]["contacts"]]


def test_an_english_writer_who_names_her_country_gets_its_embassy_not_seventeen() -> None:
    assert len(sent_ids("ask_embassy", "en", "where is my embassy")) > 10
    assert sorted(sent_ids("ask_embassy", "en", "where is the philippine embassy")) == [
        "embassy_philippines",
        "iom_japan",
    ]
    assert sorted(sent_ids("ask_embassy", "ja", "ネパール大使館はどこ")) == [
        "embassy_nepal",
        "iom_japan",
    ]


def test_a_country_named_outside_an_embassy_question_chooses_nothing() -> None:
    # "My boss is Chinese" says nothing about her: every line is still listed to English.
    assert sent_ids("ask_rights", "en", "my boss is chinese and took my passport") == sent_ids(
        "ask_rights", "en", "my boss took my passport"
    )
