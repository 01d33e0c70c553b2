"""Direct questions about fees, processing times, places and contacts, answered from the knowledge base."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import EventType, SlotSet

from actions.common import consultation_answers, knowledge_base, payload, today, valid_doc_type
from actions.consultation import SlotAnswers, conversation_language
from kbengine.render import render_contacts, render_fees, render_places, render_processing_times


class ValidateTopicForm(SlotAnswers, FormValidationAction):
    """Asks only for the document when a fee/term/place question did not name it."""

    def name(self) -> Text:
        return "validate_topic_form"


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        kb = knowledge_base()
        doc_type = valid_doc_type(tracker.get_slot("doc_type"))
        if doc_type is None:
            dispatcher.utter_message(response="utter_answer_not_understood")
            return [SlotSet("topic", None), SlotSet("urgency", None)]
        doc = kb.document(doc_type)
        lang = conversation_language(tracker)
        answers = consultation_answers(tracker)
        topic = tracker.get_slot("topic") or "fee"
        urgency = tracker.get_slot("urgency")
        urgency = urgency if urgency in ("standard", "urgent") else None
        if topic == "where_to_apply":
            text = render_places(kb, doc, answers, lang=lang)
        elif topic == "processing_time":
            text = render_processing_times(kb, doc, answers, lang=lang)
        else:
            text = render_fees(kb, doc, answers, today(), urgency=urgency, lang=lang)
        buttons = [
            {"title": "📋 Які документи потрібні", "payload": payload("ask_documents", doc_type=doc_type)},
            {"title": "💰 Вартість", "payload": payload("ask_fee", doc_type=doc_type)},
            {"title": "⏱ Строки", "payload": payload("ask_processing_time", doc_type=doc_type)},
            {"title": "📍 Де оформити", "payload": payload("ask_where_to_apply", doc_type=doc_type)},
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("topic", None), SlotSet("urgency", None)]


class ActionContacts(Action):
    def name(self) -> Text:
        return "action_contacts"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(text=render_contacts(knowledge_base(), lang=conversation_language(tracker)))
        dispatcher.utter_message(response="utter_contacts_note")
        return []
