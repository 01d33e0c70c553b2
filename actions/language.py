"""The `language` slot after every user message (action_validate_slot_mappings runs inside action_extract_slots).

English messages switch the conversation to English, Ukrainian/Russian/surzhyk to Ukrainian, neutral input (a
number, a button) keeps it. The «English / Українська» button (`/set_language{"language": "en"}`) fixes the choice:
after it, only another press of the switch changes the language.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nlu.language import EN, LANGUAGES, UK, detect_language, mixes_in_english

SET_LANGUAGE_INTENT = "set_language"


def chosen_language(tracker: Tracker) -> Any:
    """The language the user pressed in this message, if any."""
    if (tracker.latest_message.get("intent") or {}).get("name") != SET_LANGUAGE_INTENT:
        return None
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "language" and entity.get("value") in LANGUAGES:
            return entity["value"]
    return None


class ValidateSlotMappings(ValidationAction):
    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return ["language", "language_chosen"]

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        current = tracker.get_slot("language")
        chosen = chosen_language(tracker)
        if chosen:
            return {"language": chosen}
        if tracker.get_slot("language_chosen"):
            return {"language": current or UK} if current is None else {}
        text = tracker.latest_message.get("text")
        detected = detect_language(text)
        if current == EN and detected == UK and mixes_in_english(text):
            detected = EN  # "status says Документи прийнято, what now": an English conversation quoting Ukrainian
        new = detected or current or UK
        return {"language": new} if new != current else {}

    async def extract_language_chosen(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"language_chosen": True} if chosen_language(tracker) else {}

    def validate_language(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"language": value if value in LANGUAGES else UK}

    def validate_language_chosen(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"language_chosen": bool(value)}
