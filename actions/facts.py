"""Direct questions about fees, processing times, places and contacts, answered from the knowledge base."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import (
    answers_given_for,
    consultation_answers,
    conversation_language,
    knowledge_base,
    payload,
    slots_before_this_message,
    today,
    valid_doc_type,
)
from actions.consultation import USED_EARLIER, SlotAnswers, answer_labels
from actions.faq import (
    RELATED,
    asked_about_the_last_answer,
    asked_about_the_last_list,
    faq_base,
    guess_from_the_last_list,
    related_entry,
    say_the_last_answer_again,
)
from kbengine.faq import entry_buttons
from kbengine.render import render_contacts, render_fees, render_places, render_processing_times
from nlu.faq_decision import named_child

# The slot `topic` takes its value from these intents (domain/consultation.yml).
TOPIC_QUESTIONS = frozenset({"ask_fee", "ask_processing_time", "ask_where_to_apply"})


class ValidateTopicForm(SlotAnswers, FormValidationAction):
    """Asks only for the document when a fee/term/place question did not name it."""

    def name(self) -> Text:
        return "validate_topic_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        document_given = any(e.get("event") == "slot" and e.get("name") == "doc_type" for e in events)
        if intent in TOPIC_QUESTIONS and tracker.get_slot("requested_slot") == "doc_type" and not document_given:
            # «а де його робити?» while the fee question waits for its document: the question changes and the
            # document is asked for again. With no slot set here Rasa would reject the form and fall back.
            events.append(SlotSet("topic", tracker.get_slot("topic")))
        return events


TOPIC_INTENTS = ("ask_documents", "ask_fee", "ask_processing_time", "ask_where_to_apply")
TOPIC_BUTTONS = {
    "uk": ["📋 Які документи потрібні", "💰 Вартість", "⏱ Строки", "📍 Де оформити"],
    "en": ["📋 Which documents", "💰 Cost", "⏱ Processing time", "📍 Where to apply"],
}
NO_FEE_FOR_URGENCY = {
    "uk": {
        "urgent": "Окремої вартості термінового оформлення для документа «{doc}» у нашій базі немає. Ось що є:",
        "standard": "Окремої вартості звичайного оформлення для документа «{doc}» у нашій базі немає. Ось що є:",
    },
    "en": {
        "urgent": "Our knowledge base has no separate urgent-processing fee for the {doc}. Here is what it has:",
        "standard": "Our knowledge base has no separate standard-processing fee for the {doc}. Here is what it has:",
    },
}

# «а для дитини?» after the fees of a citizen's document whose fees depend on neither age nor reason (kb/: the passport
# for travel abroad): no age question, the same fees, said so. (The ID card's first issue at 14 is free: asked.)
SAME_FEES_FOR_A_CHILD = {
    "uk": "Окремої «дитячої» ціни на документ «{doc}» немає — для дитини вартість та сама:",
    "en": "There is no separate child price for the {doc} — the same fees apply to a child:",
}
CITIZEN_DOCUMENTS = ("id_card", "foreign_passport")


def fees_same_at_any_age(doc) -> bool:
    """Whether no fee of the document depends on the age or on the reason (a first issue is a child's)."""
    return doc.doc_type in CITIZEN_DOCUMENTS and not any({"age", "reason"} & set(f.condition.slots) for f in doc.fees)


def topic_answers(tracker: Tracker, doc_type: str) -> Dict[str, Any]:
    """Answers said in this message, plus earlier ones only when they were said about the same document."""
    answers = consultation_answers(tracker)
    if "doc_type" not in slots_before_this_message(tracker):
        return answers
    said_now = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    same = set(answers_given_for(tracker, doc_type))
    return {slot: value for slot, value in answers.items() if slot in said_now or slot in same}


def used_earlier_note(tracker: Tracker, doc_type: str, answers: Dict[str, Any], lang: str) -> Optional[str]:
    said_now = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    items = answer_labels(doc_type, {slot: v for slot, v in answers.items() if slot not in said_now}, lang)
    return USED_EARLIER[lang].format(items=", ".join(items)) if items else None


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        kb = knowledge_base()
        doc_type = valid_doc_type(tracker.get_slot("doc_type"))
        if doc_type is None:
            # «а скільки це коштує?» while the consultation asks which document: its checklist will say it.
            in_consultation = (tracker.active_loop or {}).get("name") == "consultation_form"
            faq = faq_base()
            offered = asked_about_the_last_list(tracker, faq) if in_consultation else []
            if offered:
                # «а скільки часу є?» after «which document?» with name-change entries beside it: the likeliest.
                guess_from_the_last_list(dispatcher, offered, faq, conversation_language(tracker), [])
                return [SlotSet("topic", None), SlotSet("urgency", None)]
            response = "utter_topic_comes_with_the_checklist" if in_consultation else "utter_answer_not_understood"
            dispatcher.utter_message(response=response)
            return [SlotSet("topic", None), SlotSet("urgency", None)]
        doc = kb.document(doc_type)
        lang = conversation_language(tracker)
        message = tracker.latest_message or {}
        topic = tracker.get_slot("topic") or "fee"
        faq = faq_base()
        about = asked_about_the_last_answer(tracker, faq)
        offered = [] if about else asked_about_the_last_list(tracker, faq)
        if about or offered:
            # "how many days i have" after registering an address: that answer's month, not the permit's term; the
            # document's own term is one press away. After a list, its likeliest entry, said to be a guess.
            intent = (message.get("intent") or {}).get("name")
            titles = dict(zip(TOPIC_INTENTS, TOPIC_BUTTONS[lang]))
            own = [
                {
                    "title": f"{titles[intent]}: {doc.short_title_in(lang)}",
                    "payload": payload(intent, doc_type=doc_type),
                }
            ]
            if about:
                say_the_last_answer_again(dispatcher, about, faq, lang, own)
            else:
                guess_from_the_last_list(dispatcher, offered, faq, lang, own)
            return [SlotSet("urgency", None)]
        child = named_child(message.get("entities") or [], message.get("text") or "")
        same_for_a_child = child and topic == "fee" and fees_same_at_any_age(doc)
        if child and not same_for_a_child:
            # «а для дитини?» after a fee, term or place answer: the age decides (the first ID card at 14 is free);
            # the number typed next gets this answer again for that age (data/rules/facts.yml).
            dispatcher.utter_message(response="utter_ask_child_age_for_topic")
            return [SlotSet("urgency", None)]
        # Slots from an earlier topic count only for the same document, and the reply says which it used.
        answers = topic_answers(tracker, doc_type)
        urgency = tracker.get_slot("urgency")
        urgency = urgency if urgency in ("standard", "urgent") else None
        if topic == "where_to_apply":
            text = render_places(kb, doc, answers, lang=lang)
        elif topic == "processing_time" and not urgency:
            text = render_processing_times(kb, doc, answers, lang=lang)
        else:
            # «а терміново?» after a term answer too: each fee line says its term.
            if urgency and not kb.fees(doc_type, answers, today(), urgency=urgency):
                # No line for that urgency (a residence permit has no urgent fee in kb/): say so, then all the fees.
                text = NO_FEE_FOR_URGENCY[lang][urgency].format(doc=doc.short_title_in(lang))
                text = f"{text}\n\n{render_fees(kb, doc, answers, today(), lang=lang)}"
            else:
                text = render_fees(kb, doc, answers, today(), urgency=urgency, lang=lang)
            if same_for_a_child:
                text = f"{SAME_FEES_FOR_A_CHILD[lang].format(doc=doc.short_title_in(lang))}\n\n{text}"
        note = used_earlier_note(tracker, doc_type, answers, lang)
        if note:
            text = f"{text}\n\n{note}"
        buttons = [
            {"title": title, "payload": payload(intent, doc_type=doc_type)}
            for title, intent in zip(TOPIC_BUTTONS[lang], TOPIC_INTENTS)
        ]
        related = related_entry(tracker, doc_type, faq)
        if related:
            # The answer the user asked for first; a more specific entry the retriever found, one press away.
            text = f"{text}\n\n{RELATED[lang]}"
            buttons = entry_buttons([related], faq, lang) + buttons
        dispatcher.utter_message(text=text, buttons=buttons)
        from actions.tracking import tracking_to_resume  # the tracking module starts its database on import

        resume = tracking_to_resume(tracker)
        if resume:
            # «перевірити статус КВ123456» → «а скільки чекати айді?»: the answer, then the tracking goes on.
            dispatcher.utter_message(text=resume["text"], buttons=resume["buttons"])
        # The topic stays: «а закордонний?» next asks the same for another document (data/rules/facts.yml).
        return [SlotSet("urgency", None)]


class ActionContacts(Action):
    def name(self) -> Text:
        return "action_contacts"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(text=render_contacts(knowledge_base(), lang=conversation_language(tracker)))
        dispatcher.utter_message(response="utter_contacts_note")
        return []
