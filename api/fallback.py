"""What the person sees when the assistant cannot answer: the emergency numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from api.directory import EmergencyContact
from api.language import Language
from api.schemas import ChatResponse, Message

# Numbers never live here: they come from the directory file.
HEADERS: Final[dict[Language, str]] = {
    "en": "Sorry, the assistant can't answer right now. If you are in danger, call:",
    "ja": "すみません、今はアシスタントが返事できません。危険なときは電話してください：",
    "th": "ขออภัย ตอนนี้ผู้ช่วยยังตอบไม่ได้ ถ้าคุณตกอยู่ในอันตราย โทร:",
    "tl": "Pasensya na, hindi makasagot ang assistant ngayon. Kung nasa panganib ka, tumawag sa:",
    "es": "Lo siento, el asistente no puede responder ahora. Si estás en peligro, llama a:",
    "zh": "对不起，助手现在没法回复。如果你有危险，请打电话：",
    "vi": "Xin lỗi, hiện trợ lý chưa trả lời được. Nếu bạn đang gặp nguy hiểm, hãy gọi:",
    "my": "တောင်းပန်ပါတယ်၊ အခု အကူအညီပေးစနစ်က မဖြေနိုင်သေးပါဘူး။ အန္တရာယ်ရှိနေရင် ဖုန်းဆက်ပါ:",
    "ne": "माफ गर्नुहोस्, अहिले सहायकले जवाफ दिन सक्दैन। खतरामा हुनुहुन्छ भने फोन गर्नुहोस्:",
    "id": "Maaf, asisten belum bisa menjawab sekarang. Kalau kamu dalam bahaya, telepon:",
}


def fallback_messages(language: Language, contacts: Sequence[EmergencyContact]) -> list[Message]:
    """Return the apology and one ``name: phone`` line per emergency contact."""
    lines = [f"{contact.name(language)}: {contact.phone}" for contact in contacts]
    return [Message(text=text) for text in (HEADERS[language], *lines)]


def fallback_body(
    session_id: str, language: Language, contacts: Sequence[EmergencyContact]
) -> dict[str, object]:
    """Return a chat response body that carries the emergency numbers."""
    messages = fallback_messages(language, contacts)
    return ChatResponse(session=session_id, language=language, messages=messages).model_dump()
