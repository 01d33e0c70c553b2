"""Clarifying question for a low-confidence message: buttons for the likeliest topics.

Used by the action that answers `nlu_fallback` (instead of a confident wrong answer):
    text, buttons = clarification(tracker.latest_message)
    dispatcher.utter_message(text=text, buttons=buttons)
Each button re-sends the message as the chosen intent with the entities already found, so the
answer keeps «закордонний» or «мені 15» the user typed.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

FALLBACK = "nlu_fallback"
# Topics a user can choose between; other intents (greet, affirm, ...) make no sense as a guess.
TOPIC_TITLES: Dict[str, str] = {
    "ask_documents": "📄 Які документи потрібні",
    "ask_fee": "💳 Скільки коштує",
    "ask_processing_time": "⏱ Скільки часу робиться",
    "ask_where_to_apply": "📍 Де оформити",
    "track_document": "🔎 Статус мого документа",
    "start_consultation": "🧭 Консультація",
    "set_expiry_reminder": "⏰ Нагадати про строк дії",
    "unsubscribe": "🔕 Відписатися від сповіщень",
    "my_subscriptions": "📋 Мої підписки",
    "contact_human": "☎️ Контакти та гаряча лінія",
    "delete_my_data": "🗑 Видалити мої дані",
    "help": "ℹ️ Що вміє помічник",
}
TOPIC_TITLES_EN: Dict[str, str] = {
    "ask_documents": "📄 Which documents I need",
    "ask_fee": "💳 How much it costs",
    "ask_processing_time": "⏱ How long it takes",
    "ask_where_to_apply": "📍 Where to apply",
    "track_document": "🔎 Status of my document",
    "start_consultation": "🧭 Consultation",
    "set_expiry_reminder": "⏰ Remind me before it expires",
    "unsubscribe": "🔕 Stop notifications",
    "my_subscriptions": "📋 My subscriptions",
    "contact_human": "☎️ Contacts and hotline",
    "delete_my_data": "🗑 Delete my data",
    "help": "ℹ️ What the assistant can do",
}
QUESTION = "Вибачте, я не зовсім зрозумів. Ви мали на увазі:"
QUESTION_EN = "Sorry, I did not quite understand. Did you mean:"
# «Інше питання» wants to type another question: what the bot can do and the menu, not «I cannot help with that».
NONE_OF_THESE = {"title": "Інше питання", "payload": "/help"}
NONE_OF_THESE_EN = {"title": "Something else", "payload": "/help"}
MIN_CONFIDENCE = 0.05


def clarification(latest_message: Dict[str, Any], limit: int = 3, lang: str = "uk") -> Tuple[str, List[Dict[str, str]]]:
    """(question, buttons) for the two or three likeliest topics of the last user message, in `lang`."""
    titles = TOPIC_TITLES_EN if lang == "en" else TOPIC_TITLES
    ranking = [r for r in latest_message.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    entities = {}
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") and entity.get("value") is not None:
            entities.setdefault(entity["entity"], str(entity["value"]))
    suffix = json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else ""
    buttons = []
    for item in sorted(ranking, key=lambda r: -float(r.get("confidence") or 0)):
        name = item.get("name")
        if name in TOPIC_TITLES and float(item.get("confidence") or 0) >= MIN_CONFIDENCE:
            buttons.append({"title": titles[name], "payload": f"/{name}{suffix}"})
        if len(buttons) == limit:
            break
    if len(buttons) < 2:
        # Too little signal: offer the main topics instead of one lonely guess.
        for name in ("ask_documents", "track_document", "contact_human"):
            if all(b["payload"].split("{")[0] != f"/{name}" for b in buttons) and len(buttons) < limit:
                buttons.append({"title": titles[name], "payload": f"/{name}{suffix}"})
    if lang == "en":
        return QUESTION_EN, buttons + [NONE_OF_THESE_EN]
    return QUESTION, buttons + [NONE_OF_THESE]
