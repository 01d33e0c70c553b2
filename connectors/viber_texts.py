"""User-facing texts of the Viber channel (not produced by Rasa), in Ukrainian and English."""

from __future__ import annotations

from typing import Dict, Final, Optional, Tuple

LANGUAGES: Final = ("uk", "en")
DEFAULT_LANGUAGE: Final = "uk"
# Viber reports the phone's language; these get Ukrainian, any other one English.
_UKRAINIAN_DEVICE_LANGUAGES: Final = ("uk", "ru", "be")

# Main menu: (payload, Ukrainian label, English label), as utter_main_menu in domain/common.yml, so a
# press means the same in every language. The last entry switches the language.
MAIN_MENU: Final[Tuple[Tuple[str, str, str], ...]] = (
    ("/start_consultation", "Консультація", "Consultation"),
    ("/track_document", "Відстежити документ", "Track a document"),
    ("/ask_fee", "Вартість і терміни", "Fees and processing times"),
    ("/ask_where_to_apply", "Де оформити", "Where to apply"),
    ("/contact_human", "Зв'язатися з ДМС", "Contact the DMS"),
)
LANGUAGE_SWITCH: Final[Dict[str, Tuple[str, str]]] = {
    "uk": ('/set_language{"language":"en"}', "English"),
    "en": ('/set_language{"language":"uk"}', "Українська"),
}
MENU_PAYLOADS: Final = tuple(p for p, _, _ in MAIN_MENU) + tuple(p for p, _ in LANGUAGE_SWITCH.values())

_TEXTS: Final[Dict[str, Dict[str, str]]] = {
    "welcome": {
        "uk": (
            "Вітаю! Я «Паспортний помічник» — допоможу з документами Державної міграційної служби: "
            "підкажу, що взяти з собою для ID-картки, закордонного паспорта чи посвідки, скільки це "
            "коштує, скільки триває і де оформити, а також повідомлю, коли ваш документ буде готовий.\n"
            "Оберіть пункт меню внизу або просто напишіть запитання."
        ),
        "en": (
            "Hello! I am the Passport Assistant for the documents of Ukraine's State Migration Service "
            "(DMS): I can tell you what to bring for an ID card, a passport for travel abroad or a "
            "residence permit, what it costs, how long it takes and where to apply, and I can tell you "
            "when your document is ready.\nChoose an item in the menu below or just type your question."
        ),
    },
    "not_text": {
        "uk": (
            "Вибачте, я розумію лише текстові повідомлення. Напишіть, будь ласка, запитання "
            "словами або оберіть пункт меню внизу екрана."
        ),
        "en": (
            "Sorry, I only understand text messages. Please type your question in words or "
            "choose an item in the menu at the bottom of the screen."
        ),
    },
    "sticker": {
        "uk": "Дякую за стікер 🙂 Напишіть, будь ласка, запитання словами або оберіть пункт меню.",
        "en": "Thanks for the sticker 🙂 Please type your question in words or choose a menu item.",
    },
    "picture": {
        "uk": (
            "Я не переглядаю фото, і краще не надсилайте знімки документів у чат. "
            "Напишіть, будь ласка, запитання текстом."
        ),
        "en": (
            "I do not look at pictures, and please do not send photos of your documents in the chat. "
            "Please type your question instead."
        ),
    },
    "file": {
        "uk": (
            "Я не відкриваю файли, і краще не надсилайте скани документів у чат. "
            "Напишіть, будь ласка, запитання текстом."
        ),
        "en": (
            "I do not open files, and please do not send scans of your documents in the chat. "
            "Please type your question instead."
        ),
    },
    "location": {
        "uk": (
            "Дякую! Шукати за геолокацією я поки що не вмію. Напишіть, будь ласка, назву міста чи населеного пункту."
        ),
        "en": ("Thank you! I cannot search by location yet. Please type the name of your town or city."),
    },
    "contact": {
        "uk": (
            "Дякую, але номер телефону мені не потрібен, я його не зберігаю. Напишіть, будь ласка, запитання текстом."
        ),
        "en": ("Thank you, but I do not need a phone number and I do not keep it. Please type your question instead."),
    },
    "stale_button": {
        "uk": "Ці кнопки вже неактуальні. Оберіть пункт меню внизу екрана або напишіть запитання.",
        "en": "These buttons are out of date. Choose an item in the menu below or type your question.",
    },
    "technical_error": {
        "uk": "Вибачте, сталася технічна помилка. Спробуйте, будь ласка, ще раз трохи згодом.",
        "en": "Sorry, something went wrong on our side. Please try again a little later.",
    },
}

# Viber message types -> which polite answer they get.
MEDIA_ANSWER_KEYS: Final[Dict[str, str]] = {
    "sticker": "sticker",
    "picture": "picture",
    "video": "not_text",
    "file": "file",
    "location": "location",
    "contact": "contact",
    "url": "not_text",
    "rich_media": "not_text",
}


def text(key: str, language: Optional[str]) -> str:
    variants = _TEXTS[key]
    return variants.get(language or DEFAULT_LANGUAGE) or variants[DEFAULT_LANGUAGE]


def language_of(slot_value: Optional[str], device_language: Optional[str]) -> str:
    """The conversation's `language` slot wins; otherwise the phone's language decides."""
    if slot_value in LANGUAGES:
        return str(slot_value)
    device = str(device_language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    if not device or device in _UKRAINIAN_DEVICE_LANGUAGES:
        return "uk"
    return "en"


def main_menu_labels(language: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    """(payload, label) pairs of the main menu in the user's language, the language switch last."""
    english = language == "en"
    items = tuple((payload, en if english else uk) for payload, uk, en in MAIN_MENU)
    return items + (LANGUAGE_SWITCH["en" if english else "uk"],)
