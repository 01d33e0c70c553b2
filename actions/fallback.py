"""Low NLU confidence: ask which of the two or three likeliest topics was meant, instead of guessing."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType

from actions.common import conversation_language
from nlu.clarify import clarification


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text, buttons = clarification(tracker.latest_message, lang=conversation_language(tracker))
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
