"""The offline language guess on realistic, phone-typed messages."""

from __future__ import annotations

import pytest

from api.language import KNOWN, LANGUAGES, detect, guess
from kakekomi_common.languages import is_registered

CASES: list[tuple[str, str | None]] = [
    # English
    ("my boss took my passport", "en"),
    ("i need help", "en"),
    ("help me please", "en"),
    ("is this anonymous??", "en"),
    ("im scared they will find me", "en"),
    ("where can i sleep tonight", "en"),
    ("i overstayed my visa will i be arrested", "en"),
    ("they dont pay me and i cant leave the dorm", "en"),
    ("Are you a real person?", "en"),
    ("broker says i owe 5 million yen what do i do", "en"),
    ("can u tell my embassy", "en"),
    ("I’m locked in the apartment", "en"),
    ("I work in 大阪, my boss keeps my money", "en"),
    # Japanese
    ("助けて", "ja"),
    ("パスポートを取られました", "ja"),
    ("ビザが切れてる", "ja"),
    ("今日泊まるところがない", "ja"),
    ("借金500万円あるって言われた", "ja"),
    ("警察に言ったら捕まりますか", "ja"),
    ("こんにちは", "ja"),
    ("ありがとう", "ja"),
    ("病院に行きたいけど保険がない", "ja"),
    ("help 助けて", "ja"),
    ("ﾀｽｹﾃ", "ja"),
    ("大使館の連絡先を教えて", "ja"),
    # Thai
    ("ช่วยด้วย", "th"),
    ("นายจ้างยึดพาสปอร์ตไป", "th"),
    ("วีซ่าหมดแล้วจะโดนจับไหม", "th"),
    ("ไม่มีที่นอนคืนนี้", "th"),
    ("สวัสดีค่ะ", "th"),
    ("ขอบคุณมากค่ะ", "th"),
    ("เอเย่นต์บอกว่าเป็นหนี้ 3 ล้านเยน", "th"),
    ("passportโดนนายจ้างเอาไป", "th"),
    ("อยากกลับบ้าน", "th"),
    ("คุยกับคนจริงได้ไหม", "th"),
    ("overstay อยู่ค่ะ กลัวโดนจับ", "th"),
    # Tagalog and Taglish
    ("kinuha ng boss ko yung passport ko", "tl"),
    ("pls help po overstay na ako", "tl"),
    ("tulong po", "tl"),
    ("saan ako pwede matulog ngayong gabi", "tl"),
    ("hindi nila binabayaran sahod ko", "tl"),
    ("natatakot ako baka hulihin ako ng pulis", "tl"),
    ("may utang daw ako sa agency 2 million yen", "tl"),
    ("paano ko makokontak embassy namin", "tl"),
    ("salamat po", "tl"),
    ("gusto ko na umuwi sa pinas", "tl"),
    ("bot ka ba?", "tl"),
    ("wala akong mapuntahan", "tl"),
    ("expired na visa ko, pano na", "tl"),
    ("kasi ayaw nila ako palabasin ng dorm", "tl"),
    ("anonymous ba to", "tl"),
    # Spanish
    ("me quitaron el pasaporte", "es"),
    ("necesito ayuda", "es"),
    ("hola", "es"),
    ("tengo miedo", "es"),
    ("¿es anónimo?", "es"),
    ("no se que hacer", "es"),
    ("mi jefe no me paga", "es"),
    ("estoy sin visa me van a deportar?", "es"),
    ("donde puedo dormir esta noche", "es"),
    ("dicen que debo 4 millones de yenes", "es"),
    ("gracias", "es"),
    ("ayudenme por favor", "es"),
    ("quiero volver a colombia, no tengo pasaporte", "es"),
    ("señora, me siento mal", "es"),
    # Chinese (simplified, some traditional), with the Japanese words workers pick up
    ("社长扣着我的护照不给", "zh"),
    ("工资三个月没发了", "zh"),
    ("我想回国 没有护照", "zh"),
    ("你好 在吗", "zh"),
    ("签证过期了怎么办", "zh"),
    ("中介费还欠十万", "zh"),
    ("今晚没地方睡", "zh"),
    ("这个是匿名的吗", "zh"),
    ("我是實習生 會社不給工資", "zh"),
    ("overstay了 会被抓吗", "zh"),
    ("在留卡过期了", "zh"),
    # No clear signal
    ("ok", None),
    ("/affirm", None),
    ("/ask_visa", None),
    ("??", None),
    ("123", None),
    ("", None),
    ("   ", None),
    ("no", None),
    ("me", None),
    ("visa", None),
    ("😢😢", None),
    ("hi", None),
    ("thanks", None),
    # Burmese (registered): its own script, short or long, with English and Japanese words
    ("ရှချောက ပတ်စပို့ ပြန်မပေးဘူး", "my"),
    ("ဒီည နေစရာ မရှိဘူး", "my"),
    ("အကြွေး သိန်း ၅၀ ကျန်သေးတယ်", "my"),
    ("overstay ဖြစ်နေတယ် ဖမ်းမလား", "my"),
    ("ကူမိအိုင်က မကူညီဘူး", "my"),
    ("ဟုတ်ကဲ့", "my"),
    ("ဘော့လား", "my"),
    ("zairyu card သက်တမ်းကုန်ပြီ", "my"),
    ("ဆေးရုံ သွားချင်တယ်", "my"),
    ("ဖုန်းပြန်ဆက်ပေးပါ", "my"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detect(text: str, expected: str | None) -> None:
    assert detect(text) == expected


def test_table_covers_every_language_generously() -> None:
    # A registered language's cases may sit in NEW_CASES: detect() is asked them too.
    for language in LANGUAGES:
        assert sum(1 for _, expected in CASES + NEW_CASES if expected == language) >= 10
    assert len(CASES) >= 60


# The languages being added, as their people type (the tables know them before they are
# registered; `guess` is asked among all of them, `detect` among the registered only).
NEW_CASES: list[tuple[str, str | None]] = [
    # Vietnamese, with tone marks and without, with the Japanese words trainees pick up
    ("chủ lấy hộ chiếu của tôi, tôi phải làm việc không lương", "vi"),
    ("chu lay ho chieu cua toi roi", "vi"),
    ("tôi muốn về nước", "vi"),
    ("toi muon ve nuoc", "vi"),
    ("công ty không trả lương 3 tháng rồi", "vi"),
    ("cong ty ko tra luong", "vi"),
    ("em bị đánh, giúp em với", "vi"),
    ("giup toi voi", "vi"),
    ("tôi là thực tập sinh, kumiai không giúp", "vi"),
    ("em tron khoi cong ty roi, gio sao", "vi"),
    ("cảm ơn", "vi"),
    ("cam on ban", "vi"),
    ("zairyu card bị mất thì làm sao", "vi"),
    # Indonesian, not Tagalog, English or Spanish
    ("saya ingin kabur dari majikan", "id"),
    ("paspor saya diambil bos", "id"),
    ("gaji saya tidak dibayar sudah 2 bulan", "id"),
    ("tolong saya takut", "id"),
    ("aku gak punya tempat tidur malam ini", "id"),
    ("gimana caranya pulang ke indonesia", "id"),
    ("terima kasih", "id"),
    ("saya pemagang, kumiai tidak mau bantu", "id"),
    ("utang saya ke agen 1 juta yen, harus bagaimana", "id"),
    ("apa ini anonim?", "id"),
    ("bisa bicara dengan orang?", "id"),
    # Chinese, simplified and traditional, not Japanese
    ("我的护照被老板拿走了", "zh"),
    ("老板三个月没给我工资", "zh"),
    ("我想逃走，但是没有钱", "zh"),
    ("我的護照被老闆拿走了", "zh"),
    ("社长拿走了我的passport", "zh"),
    ("在留カード被社长拿走了，怎么办", "zh"),
    ("我是实习生，组合不管我们", "zh"),
    ("你是机器人吗", "zh"),
    ("谢谢", "zh"),
    ("今晚没有地方住", "zh"),
    # Burmese (Myanmar script, Unicode; the gateway converts Zawgyi before this)
    ("ကျွန်မ အိပ်စရာနေရာ မရှိဘူး", "my"),
    ("အလုပ်ရှင်က လစာ မပေးဘူး", "my"),
    ("ကူညီပါ", "my"),
    ("passport ကို ယူသွားတယ်", "my"),
    ("ကျေးဇူးတင်ပါတယ်", "my"),
    ("ကျွန်တော် ကြောက်တယ်", "my"),
    ("ရဲကို ဖုန်းဆက်ရမလား", "my"),
    ("ဗီဇာ သက်တမ်းကုန်သွားပြီ", "my"),
    ("မင်္ဂလာပါ", "my"),
    ("သံရုံးကို ဆက်သွယ်ချင်တယ်", "my"),
    # Nepali (Devanagari)
    ("मेरो राहदानी मालिकले लियो", "ne"),
    ("मलाई मद्दत चाहिन्छ", "ne"),
    ("दलाललाई १० लाख तिर्नु पर्छ", "ne"),
    ("म धेरै डराएको छु", "ne"),
    ("आज सुत्ने ठाउँ छैन", "ne"),
    ("धन्यवाद", "ne"),
    ("नमस्ते", "ne"),
    ("भिसा सकियो, के गर्ने", "ne"),
    ("ma student ho, broker lai paisa tirna parcha मलाई डर लाग्छ", "ne"),
    ("मेरो तलब दिएन", "ne"),
    # The first five still come out as before among all ten
    ("kinuha ng boss ko yung passport ko", "tl"),
    ("gusto ko na umuwi sa pinas", "tl"),
    ("me quitaron el pasaporte", "es"),
    ("no se que hacer", "es"),
    ("my boss took my passport", "en"),
    ("パスポートを取られました", "ja"),
    ("大使館の連絡先を教えて", "ja"),
    ("นายจ้างยึดพาสปอร์ตไป", "th"),
    # No clear signal
    ("ok", None),
    ("visa", None),
    ("/ask_visa", None),
]


@pytest.mark.parametrize(("text", "expected"), NEW_CASES)
def test_guess_among_all_ten(text: str, expected: str | None) -> None:
    assert guess(text, among=KNOWN) == expected


@pytest.mark.parametrize(("text", "expected"), NEW_CASES)
def test_detect_names_only_registered_languages(text: str, expected: str | None) -> None:
    detected = detect(text)
    assert detected is None or is_registered(detected)
    if expected is not None and is_registered(expected):
        assert detected == expected


@pytest.mark.parametrize(
    ("text", "conversation", "expected"),
    [
        # Han that Chinese and Japanese write alike keeps a Chinese conversation Chinese ...
        ("警察", "zh", "zh"),
        ("大使館", "zh", "zh"),
        # ... and is Japanese otherwise
        ("警察", None, "ja"),
        ("警察", "en", "ja"),
        # a clear sign decides whatever the conversation was
        ("パスポートを取られた", "zh", "ja"),
        ("护照", "ja", "zh"),
    ],
)
def test_han_alike_in_both_keeps_the_conversation(
    text: str, conversation: str | None, expected: str
) -> None:
    assert guess(text, conversation, among=KNOWN) == expected


def test_new_cases_cover_every_known_language() -> None:
    for language in KNOWN:
        assert sum(1 for _, expected in NEW_CASES + CASES if expected == language) >= 10


# Signs added from the training data, each with a line it decides and lines of the language
# whose words look alike, which must keep their language.
SIGN_CASES: list[tuple[str, str | None]] = [
    # Tagalog's question particle "ba" outweighs the English words of Taglish ...
    ("legit ba this agency", "tl"),
    ("safe ba here", "tl"),
    # ... while Vietnamese "ba" (father, three) stays Vietnamese, with marks or without
    ("ba mẹ tôi ở quê", "vi"),
    ("ba toi dang benh", "vi"),
    # Nepali "hau" (timi ... hau, "you are") and the "do it for me" ending -idinu(s)
    ("chatbot hau?", "ne"),
    ("ticket book garidinu", "ne"),
    ("yo form bharidinus", "ne"),  # not Spanish "yo"
    ("kripaya police bolaidinuhos", "ne"),
    # Vietnamese "cha" (father) and "họ"/"ho" (they) are not Nepali "cha", "ho"
    ("cha tôi bị bệnh", "vi"),
    ("cha toi bi benh", "vi"),
    ("họ không trả lương cho tôi", "vi"),
    ("ho toi khong tra luong", "vi"),
    # Spanish "porfa" (por favor)
    ("me ayudas porfa", "es"),
    # A few letters of a script only one language writes name it among English words
    ("thank you so much ค่ะ", "th"),
    ("good night ပါ", "my"),
    ("please help मलाई", "ne"),
]


@pytest.mark.parametrize(("text", "expected"), SIGN_CASES)
def test_signs_from_the_training_data(text: str, expected: str | None) -> None:
    assert guess(text, among=KNOWN) == expected


def test_own_script_letters_switch_an_english_conversation() -> None:
    assert guess("thank you ค่ะ", "en", among=KNOWN) == "th"
    # Han is written by two languages and names places in Japan: English stays English
    assert guess("I work in 大阪, my boss keeps my money", "en", among=KNOWN) == "en"
