"""The gateway's own message that gives her the reply code, in her language.

Written by the gateway, never by Rasa: the code must not enter Rasa's conversation. The
widget's "I have a code" entry (MAILBOX_STRINGS.haveCode in api/static/app.js) is named in
the same words. tests/common/test_language_coverage.py checks every language has one.
"""

from __future__ import annotations

from typing import Final

from api.language import Language

# {code} is the code in four groups of four digits.
CODE_MESSAGES: Final[dict[Language, str]] = {
    "en": (
        "Your reply code: {code}\n"
        "Write it down somewhere safe, or remember it. It is the only way to read the "
        "organisation's answer: open this page again, tap “I have a code” and type it. "
        "Anyone who has this code can read the answer, so do not show it to anyone. "
        "It cannot be shown again."
    ),
    "ja": (
        "あなたの返信コード：{code}\n"
        "安全な場所に書いておくか、覚えてください。団体からの返事を読む方法は、このコードだけです。"
        "あとでこのページをもう一度開き、「コードを持っています」を押して入力してください。"
        "このコードを知っている人はだれでも返事を読めるので、人に見せないでください。"
        "このコードは二度と表示されません。"
    ),
    "th": (
        "รหัสตอบกลับของคุณ: {code}\n"
        "จดไว้ในที่ที่ปลอดภัย หรือจำไว้ รหัสนี้เป็นทางเดียวที่จะอ่านคำตอบจากองค์กรได้ "
        "ภายหลังให้เปิดหน้านี้อีกครั้ง แตะ “ฉันมีรหัส” แล้วพิมพ์รหัสนี้ "
        "ใครก็ตามที่มีรหัสนี้จะอ่านคำตอบได้ อย่าให้ใครเห็น "
        "รหัสนี้จะไม่แสดงอีก"
    ),
    "tl": (
        "Ang reply code mo: {code}\n"
        "Isulat ito sa ligtas na lugar, o tandaan. Ito lang ang paraan para mabasa ang sagot "
        "ng organisasyon: buksan ulit ang page na ito, pindutin ang “May code ako” at i-type "
        "ito. Kahit sino na may code na ito ay mababasa ang sagot, kaya huwag itong ipakita "
        "kaninuman. Hindi na ito maipapakita ulit."
    ),
    "es": (
        "Tu código de respuesta: {code}\n"
        "Apúntalo en un lugar seguro o apréndetelo. Es la única forma de leer la respuesta de "
        "la organización: vuelve a abrir esta página, toca «Tengo un código» y escríbelo. "
        "Cualquiera que tenga este código puede leer la respuesta, así que no se lo enseñes a "
        "nadie. No se puede volver a mostrar."
    ),
    "zh": (
        "你的回复码：{code}\n"
        "请把它写在安全的地方，或者记住它。这是看到团体回复的唯一办法：以后再打开这个页面，"
        "点“我有回复码”，然后输入它。任何人拿到这个码都能看到回复，所以不要给别人看。"
        "这个码不会再显示第二次。"
    ),
    "vi": (
        "Mã trả lời của bạn: {code}\n"
        "Hãy ghi lại ở chỗ an toàn, hoặc nhớ trong đầu. Đây là cách duy nhất để đọc câu trả lời "
        "của tổ chức: sau này mở lại trang này, chạm “Tôi có mã” rồi nhập mã. "
        "Ai có mã này cũng đọc được câu trả lời, nên đừng cho ai xem. "
        "Mã này sẽ không hiện lại lần nữa."
    ),
    "my": (
        "သင့်ရဲ့ အဖြေကုဒ်: {code}\n"
        "ဘေးကင်းတဲ့ နေရာမှာ ရေးမှတ်ထားပါ၊ ဒါမှမဟုတ် မှတ်ထားပါ။ ကူညီရေးအဖွဲ့ရဲ့ အဖြေကို ဖတ်ဖို့ "
        "ဒီကုဒ်တစ်ခုပဲ ရှိပါတယ်: နောက်မှ ဒီစာမျက်နှာကို ပြန်ဖွင့်ပြီး “ကုဒ် ရှိတယ်” ကို နှိပ်ပြီး "
        "ရိုက်ထည့်ပါ။ ဒီကုဒ် ရှိတဲ့သူ မည်သူမဆို အဖြေကို ဖတ်နိုင်လို့ ဘယ်သူ့ကိုမှ မပြပါနဲ့။ "
        "ဒီကုဒ်ကို နောက်တစ်ခါ ပြန်ပြလို့ မရပါဘူး။"
    ),
    "ne": (
        "तपाईंको जवाफ कोड: {code}\n"
        "यसलाई सुरक्षित ठाउँमा लेखेर राख्नुहोस्, वा सम्झनुहोस्। संस्थाको जवाफ पढ्ने एउटै तरिका "
        "यही हो: पछि यो पेज फेरि खोल्नुहोस्, “मसँग कोड छ” थिच्नुहोस् र यो टाइप गर्नुहोस्। "
        "यो कोड भएको जोसुकैले जवाफ पढ्न सक्छ, त्यसैले कसैलाई नदेखाउनुहोस्। "
        "यो फेरि देखाइँदैन।"
    ),
    "id": (
        "Kode balasanmu: {code}\n"
        "Catat di tempat yang aman, atau hafalkan. Hanya dengan kode ini kamu bisa membaca "
        "jawaban organisasi: buka lagi halaman ini, ketuk “Aku punya kode” lalu ketik kodenya. "
        "Siapa pun yang punya kode ini bisa membaca jawabannya, jadi jangan tunjukkan ke "
        "siapa pun. Kode ini tidak bisa ditampilkan lagi."
    ),
}


def code_message(language: str, code: str) -> str:
    """The message that gives her the code (English if her language has none yet)."""
    template = next((t for lang, t in CODE_MESSAGES.items() if lang == language), None)
    if template is None:
        template = CODE_MESSAGES["en"]
    return template.replace("{code}", code)
