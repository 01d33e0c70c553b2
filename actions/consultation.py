"""The consultation form: asks only the questions the knowledge base marks as relevant, then sends the checklist."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    ALL_CONSULTATION_SLOTS,
    CONSULTATION_SLOTS,
    answers_given_for,
    consultation_answers,
    knowledge_base,
    navigation_buttons,
    payload,
    previous_action,
    to_bool,
    to_int,
    today,
    valid_doc_type,
)
from actions.faq import (
    FIRST_STEPS,
    OR_MAYBE,
    asked_about_the_last_answer,
    asked_about_the_last_list,
    faq_base,
    first_steps_entry,
    guess_from_the_last_list,
    say_the_last_answer_again,
    suggestions_beside_question,
)
from kbengine.faq import entry_buttons
from kbengine.model import language
from kbengine.render import render_checklist, render_preliminary
from kbengine.text import parse_answer
from nlu.faq_decision import QUESTION_WORD, follow_up, goes_abroad
from tracking.stages import doc_type_name

# Intents that mean "not an answer": the form steps aside and the rules handle them.
NOT_AN_ANSWER = {
    "go_back",
    "start_over",
    "change_answer",
    "help",
    "greet",
    "goodbye",
    "thank",
    "contact_human",
    "track_document",
    "unsubscribe",
    "my_subscriptions",
    "delete_my_data",
    "set_expiry_reminder",
    "ask_fee",
    "ask_processing_time",
    "ask_where_to_apply",
    "start_consultation",
    "out_of_scope",
    "set_language",
}

MAX_AGE = 120
# A message of this many words that opens with a question word asks, whatever answer words it holds («а якщо по
# роботі?» and «чи можна?» are short and stay answers or the FAQ's).
LONGEST_ANSWER = 4


def opens_a_question(text: str) -> bool:
    return len(text.split()) > LONGEST_ANSWER and bool(QUESTION_WORD.match(text))


def _latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _latest_entities(tracker: Tracker) -> set:
    return {e.get("entity") for e in tracker.latest_message.get("entities") or []}


def conversation_language(tracker: Tracker) -> str:
    """ "uk" or "en", from the `language` slot the conversation keeps."""
    return language(tracker.get_slot("language"))


# Buttons under the checklist, per language.
ANSWER_BUTTONS = {
    "uk": [
        {"title": "✏️ Змінити відповідь", "payload": "/change_answer"},
        {"title": "🔄 Почати спочатку", "payload": "/start_over"},
        {"title": "📦 Відстежити документ", "payload": "/track_document"},
        {"title": "🏠 Головне меню", "payload": "/help"},
    ],
    "en": [
        {"title": "✏️ Change an answer", "payload": "/change_answer"},
        {"title": "🔄 Start over", "payload": "/start_over"},
        {"title": "📦 Track a document", "payload": "/track_document"},
        {"title": "🏠 Main menu", "payload": "/help"},
    ],
}
CHANGE_BUTTON = {"uk": "Змінити: {shown}", "en": "Change: {shown}"}
AGE_SHOWN = {"uk": "вік {age}", "en": "age {age}"}


def answer_labels(doc_type: Optional[str], answers: Dict[str, Any], lang: str, just_said: bool = False) -> List[str]:
    """How answers read inside a sentence: «вік 40», «за кордоном». Only answers the document's questions use: "my
    husband is Ukrainian" sets a sex no residence permit asks, and «Враховую: чоловік» would be noise (or wrong).
    `just_said`: answers the user typed now, said back as «Записав: …» — any the document may ask count, even one its
    questions reach only later («мені 14» before the ID card's reason; «Записав: .» said nothing)."""
    kb, items = knowledge_base(), []
    if doc_type in kb.documents and just_said:
        asked = {q.slot for q in kb.documents[doc_type].questions}
        answers = {k: v for k, v in answers.items() if k in asked}
    elif doc_type:
        relevant = kb.relevant_answers(doc_type, {**answers, "doc_type": doc_type})
        answers = {k: v for k, v in answers.items() if k in relevant}
    for slot, value in answers.items():
        question = kb.question_for(slot, doc_type)
        if question.type == "number":
            items.append(AGE_SHOWN[lang].format(age=to_int(value)))
        else:
            option = question.option(to_bool(value) if question.type == "boolean" else value)
            label = option.label_in(lang) if option else str(value)
            items.append(label[:1].lower() + label[1:] if lang == "uk" else label)
    return items


def answers_said_beside(slot: str, tracker: Tracker) -> Dict[str, Any]:
    """Valid answers to other questions in the latest message («мені 40» while the reason is asked): their slots
    are set from the entities all the same, so the form only has to ask its question again."""
    doc_type, found = valid_doc_type(tracker.get_slot("doc_type")), {}
    for entity in tracker.latest_message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name != slot and name in CONSULTATION_SLOTS and checked_answer(name, value, doc_type) is not None:
            found[name] = value
    return found


def checked_answer(slot: str, value: Any, doc_type: Optional[str]) -> Any:
    """The value the form keeps for an answer, or None when it fits no option (or no age from 0 to MAX_AGE)."""
    if value is None:
        return None
    question = knowledge_base().question_for(slot, doc_type)
    if question.type == "number":
        age = to_int(value)
        return age if age is not None and 0 <= age <= MAX_AGE else None
    if question.type == "boolean":
        value = to_bool(value)
    elif isinstance(value, str) and question.option(value) is None:
        value = parse_answer(question, value[:200])  # a tagged word form («чоловіком») rather than a value
    return value if value is not None and question.option(value) is not None else None


class SlotAnswers:
    """Extraction of free-text answers and validation of every consultation answer (shared by both forms)."""

    def _extract(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != slot or slot in _latest_entities(tracker):
            return {}
        if _latest_intent(tracker) in NOT_AN_ANSWER:
            return {}
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            return {}  # a button payload whose entity did not fit; validation explains
        question = knowledge_base().question_for(slot, valid_doc_type(tracker.get_slot("doc_type")))
        value = parse_answer(question, text[:1000])
        if value is None and slot == "doc_type" and goes_abroad(text[:1000]):
            value = "foreign_passport"  # «за кордон», «для поїздки за кордон» at «Який документ вам потрібен?»
        if _latest_intent(tracker) == "faq" and (value is None or opens_a_question(text)):
            # A question, not an answer: the form steps aside and the FAQ rule answers it. "can my wife come with me
            # on this permit?" at the permit's ground names a wife but asks something.
            return {}
        beside = answers_said_beside(slot, tracker) if value is None else {}
        if beside:
            # «мені 40» at the reason question: that answer is kept, and the question comes again.
            lang = conversation_language(tracker)
            labels = answer_labels(valid_doc_type(tracker.get_slot("doc_type")), beside, lang, just_said=True)
            if labels:
                dispatcher.utter_message(response="utter_answer_kept", answers=", ".join(labels))
            return {}
        if value is None:
            if question.type == "number":
                dispatcher.utter_message(response="utter_age_not_understood")
            else:
                dispatcher.utter_message(response="utter_answer_not_understood")
            return {slot: None}
        return {slot: value}

    async def extract_doc_type(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._extract("doc_type", dispatcher, tracker)

    def _validate_choice(self, slot: str, value: Any, dispatcher, tracker) -> Dict[Text, Any]:
        if value is None:
            return {slot: None}
        value = checked_answer(slot, value, valid_doc_type(tracker.get_slot("doc_type")))
        if value is None:
            dispatcher.utter_message(response="utter_answer_not_understood")
        return {slot: value}

    def validate_doc_type(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:
            return {"doc_type": None}
        if valid_doc_type(value) is None:
            dispatcher.utter_message(response="utter_answer_not_understood")
            return {"doc_type": None}
        return {"doc_type": value}


class ValidateConsultationForm(SlotAnswers, FormValidationAction):
    def name(self) -> Text:
        return "validate_consultation_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        doc_type = valid_doc_type(tracker.get_slot("doc_type"))
        return knowledge_base().required_slots(doc_type, consultation_answers(tracker))

    async def get_extraction_events(self, dispatcher, tracker, domain) -> List[EventType]:
        if previous_action(tracker) == "action_change_answer":
            changed = typed_change(dispatcher, tracker)
            if changed is not None:
                return [SlotSet(slot, value) for slot, value in changed.items()]
        return await super().get_extraction_events(dispatcher, tracker, domain)

    async def extract_reason(self, dispatcher, tracker, domain):
        return self._extract("reason", dispatcher, tracker)

    async def extract_age(self, dispatcher, tracker, domain):
        return self._extract("age", dispatcher, tracker)

    async def extract_idp(self, dispatcher, tracker, domain):
        return self._extract("idp", dispatcher, tracker)

    async def extract_location(self, dispatcher, tracker, domain):
        return self._extract("location", dispatcher, tracker)

    async def extract_passport_issued_in(self, dispatcher, tracker, domain):
        return self._extract("passport_issued_in", dispatcher, tracker)

    async def extract_residence_ground(self, dispatcher, tracker, domain):
        return self._extract("residence_ground", dispatcher, tracker)

    async def extract_sex(self, dispatcher, tracker, domain):
        return self._extract("sex", dispatcher, tracker)

    def validate_reason(self, value, dispatcher, tracker, domain):
        return self._validate_choice("reason", value, dispatcher, tracker)

    def validate_idp(self, value, dispatcher, tracker, domain):
        return self._validate_choice("idp", value, dispatcher, tracker)

    def validate_location(self, value, dispatcher, tracker, domain):
        return self._validate_choice("location", value, dispatcher, tracker)

    def validate_passport_issued_in(self, value, dispatcher, tracker, domain):
        return self._validate_choice("passport_issued_in", value, dispatcher, tracker)

    def validate_residence_ground(self, value, dispatcher, tracker, domain):
        return self._validate_choice("residence_ground", value, dispatcher, tracker)

    def validate_sex(self, value, dispatcher, tracker, domain):
        return self._validate_choice("sex", value, dispatcher, tracker)

    def validate_age(self, value, dispatcher, tracker, domain):
        if value is None:
            return {"age": None}
        age = to_int(value)
        if age is None:
            dispatcher.utter_message(response="utter_age_not_understood")
            return {"age": None}
        if not 0 <= age <= MAX_AGE:
            dispatcher.utter_message(response="utter_age_out_of_range")
            return {"age": None}
        return {"age": age}


class AskQuestion(Action, ABC):
    """Asks one consultation question with its answer buttons, worded as in kb/questions.yml."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kb = knowledge_base()
        lang = conversation_language(tracker)
        doc_type = valid_doc_type(tracker.get_slot("doc_type"))
        question = kb.question_for(self.slot, doc_type)
        if question.type == "number":
            pairs = kb.document(doc_type).age_buttons_in(lang) if doc_type else ()
            buttons = [{"title": label, "payload": payload("inform", age=str(value))} for label, value in pairs]
        else:
            buttons = [
                {"title": o.label_in(lang), "payload": payload("inform", **{self.slot: str(o.value).lower()})}
                for o in question.options
            ]
        if self.slot != "doc_type":
            buttons += navigation_buttons(lang)
            faq = faq_base()
            steps = first_steps_entry(tracker, doc_type, faq)
            if steps:
                dispatcher.utter_message(text=FIRST_STEPS[lang], buttons=entry_buttons([steps], faq, lang))
        dispatcher.utter_message(text=question.prompt_in(lang), buttons=buttons)
        return []


class AskDocType(AskQuestion):
    slot = "doc_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        faq = faq_base()
        lang = conversation_language(tracker)
        in_topic_form = tracker.active_loop_name == "topic_form"
        about = asked_about_the_last_answer(tracker, faq) if in_topic_form else None
        offered = [] if about else asked_about_the_last_list(tracker, faq)
        if about:
            # "where" after extending a visa-free stay: that answer says where; the document question stays for a
            # fee, term or place of a document.
            say_the_last_answer_again(dispatcher, about, faq, lang, [])
        elif offered and in_topic_form:
            # «а скільки часу є?» after «which document?» with name-change entries beside it: the likeliest of them
            # (in the consultation, action_answer_topic has said it).
            guess_from_the_last_list(dispatcher, offered, faq, lang, [])
        events = await super().run(dispatcher, tracker, domain)
        # The fragment's own entries («скільки часу» alone) are noise beside a guess from the list.
        likely = [] if offered else suggestions_beside_question(tracker, faq)
        if likely:
            dispatcher.utter_message(text=OR_MAYBE[lang], buttons=entry_buttons(likely, faq, lang))
        return events


class AskReason(AskQuestion):
    slot = "reason"


class AskAge(AskQuestion):
    slot = "age"


class AskIdp(AskQuestion):
    slot = "idp"


class AskLocation(AskQuestion):
    slot = "location"


class AskPassportIssuedIn(AskQuestion):
    slot = "passport_issued_in"


class AskResidenceGround(AskQuestion):
    slot = "residence_ground"


class AskSex(AskQuestion):
    slot = "sex"


USED_EARLIER = {"uk": "Враховую ваші попередні відповіді: {items}.", "en": "Using your earlier answers: {items}."}
LIST_FOR = {
    "uk": "Складаю перелік документів — {doc}.",
    "en": "Making the list of documents — {doc}.",
}


class ActionStartConsultation(Action):
    """A new consultation keeps only what the user said in this very message («закордонний дитині 5 років»)."""

    def name(self) -> Text:
        return "action_start_consultation"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        said_now = _latest_entities(tracker)
        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        kept = valid_doc_type(tracker.get_slot("doc_type"))
        if kept and not said_now and follow_up([], text) == "ask_documents":
            # «а які документи?» after the fee of the закордонний: the list for that document, and the reply says so.
            # Answers said about this document stay, and the reply names them; older ones go.
            lang = conversation_language(tracker)
            same = answers_given_for(tracker, kept)
            reply = LIST_FOR[lang].format(doc=doc_type_name(kept, lang, capital=False))
            used = answer_labels(kept, {k: v for k, v in consultation_answers(tracker).items() if k in same}, lang)
            if used:
                reply = f"{reply} {USED_EARLIER[lang].format(items=', '.join(used))}"
            dispatcher.utter_message(text=reply)
            return [
                SlotSet(slot, None)
                for slot in ALL_CONSULTATION_SLOTS
                if slot != "doc_type" and slot not in same and tracker.get_slot(slot) is not None
            ]
        # «я чоловік, 40 років, у Чехії…»: the sex named in words when the tagger did not mark it.
        sex = None
        if "sex" not in said_now and not text.startswith("/"):
            sex = parse_answer(kb.question_for("sex"), text[:1000])
        events = [
            SlotSet(slot, None)
            for slot in ALL_CONSULTATION_SLOTS
            if slot not in said_now and tracker.get_slot(slot) is not None and not (slot == "sex" and sex)
        ]
        if sex and tracker.get_slot("sex") != sex:
            events.append(SlotSet("sex", sex))
        doc_type = valid_doc_type(tracker.get_slot("doc_type")) if "doc_type" in said_now else None
        if doc_type:
            answers = {k: v for k, v in consultation_answers(tracker).items() if k in said_now}
            if sex:
                answers["sex"] = sex
            # A question that already named the circumstances gets the certain part of the list at once.
            if answers and kb.missing_slots(doc_type, answers):
                text = render_preliminary(kb, kb.document(doc_type), answers, lang=conversation_language(tracker))
                if text:
                    dispatcher.utter_message(text=text)
        return events


# A stop (no ID card before 14, permit grounds the kb has no list for) leaves the form nothing to ask: an answer
# typed after it («вперше») reruns the form, and the same notice came again, turn after turn.
STOP_UNCHANGED = {
    "uk": {
        "kept": "Врахував: {answers}, але відповідь вище від цього не змінюється.",
        "none": "Відповідь вище від цього не змінюється.",
    },
    "en": {
        "kept": "Noted: {answers}, but it does not change the answer above.",
        "none": "That does not change the answer above.",
    },
}
# Grounds the kb cannot list documents for: the DMS unit can, so that is the next step.
ASK_DMS_NEXT = {
    "uk": "Що далі: перелік документів для вашої підстави уточніть у підрозділі ДМС за місцем проживання. Де його знайти й як зв'язатися з ДМС — за кнопками нижче.",
    "en": "What next: ask a DMS unit at your place of residence for the list of documents for your grounds. The buttons below show where to find one and how to contact the DMS.",
}
ASK_DMS_BUTTONS = {"uk": ("📍 Де оформити", "☎️ Контакти ДМС"), "en": ("📍 Where to apply", "☎️ DMS contacts")}
# Actions after which a checklist sent earlier no longer stands.
ANSWERS_RESET = {"action_start_consultation", "action_start_over", "action_consultation_back", "action_change_answer"}


def last_checklist(tracker: Tracker) -> Optional[str]:
    """The checklist (or stop notice) this consultation last sent, None after a restart, a step back or a change."""
    last, after_answer = None, False
    for event in tracker.events:
        kind = event.get("event")
        if kind == "action":
            name = event.get("name")
            after_answer = name == "action_consultation_answer"
            if name in ANSWERS_RESET:
                last = None
        elif kind == "bot" and after_answer:
            last, after_answer = event.get("text"), False
    return last


def stop_next_step(doc_type: str, result, lang: str) -> Optional[Dict[str, Any]]:
    """The message after a stop that leaves the person to ask the DMS: where to apply and the DMS contacts."""
    if not any("residence_ground" in n.condition.slots for n in result.notices):
        return None
    where, contacts = ASK_DMS_BUTTONS[lang]
    buttons = [
        {"title": where, "payload": payload("ask_where_to_apply", doc_type=doc_type)},
        {"title": contacts, "payload": "/contact_human"},
        # Nothing to track after a stop: change, start over, menu.
        *(b for b in ANSWER_BUTTONS[lang] if b["payload"] != "/track_document"),
    ]
    return {"text": ASK_DMS_NEXT[lang], "buttons": buttons}


class ActionConsultationAnswer(Action):
    def name(self) -> Text:
        return "action_consultation_answer"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        kb = knowledge_base()
        doc_type = valid_doc_type(tracker.get_slot("doc_type"))
        if doc_type is None:
            dispatcher.utter_message(response="utter_answer_not_understood")
            return []
        answers = consultation_answers(tracker)
        lang = conversation_language(tracker)
        missing = kb.missing_slots(doc_type, answers)
        if missing:  # reached without the form (e.g. a story cut short): say what is still needed
            dispatcher.utter_message(text=kb.question_for(missing[0], doc_type).prompt_in(lang))
            return [FollowupAction("consultation_form")]
        result = kb.compose(doc_type, answers, today())
        text = render_checklist(result, kb, lang=lang)
        next_step = stop_next_step(doc_type, result, lang) if result.stopped else None
        if result.stopped and text == last_checklist(tracker):
            # Said once: the answer typed now changes nothing after the stop, so it is acknowledged, not the notice.
            said = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}
            kept = {
                slot: answers[slot] for slot in said if slot in CONSULTATION_SLOTS and answers.get(slot) is not None
            }
            labels = answer_labels(doc_type, kept, lang, just_said=True)
            words = STOP_UNCHANGED[lang]
            reply = words["kept"].format(answers=", ".join(labels)) if labels else words["none"]
            if next_step:
                dispatcher.utter_message(text=f"{reply} {next_step['text']}", buttons=next_step["buttons"])
            else:
                dispatcher.utter_message(text=reply, buttons=list(ANSWER_BUTTONS[lang]))
            return []
        if next_step:
            dispatcher.utter_message(text=text)
            dispatcher.utter_message(text=next_step["text"], buttons=next_step["buttons"])
            return []
        dispatcher.utter_message(text=text, buttons=list(ANSWER_BUTTONS[lang]))
        return []


def _answered_in_order(tracker: Tracker) -> List[str]:
    """Consultation slots that hold a value, most recently set last."""
    order: List[str] = []
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") in ALL_CONSULTATION_SLOTS:
            name = event["name"]
            if name in order:
                order.remove(name)
            if event.get("value") is not None:
                order.append(name)
    return [s for s in order if tracker.get_slot(s) is not None]


class ActionConsultationBack(Action):
    def name(self) -> Text:
        return "action_consultation_back"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        answered = _answered_in_order(tracker)
        if not answered:
            dispatcher.utter_message(response="utter_back_at_start")
            return []
        dispatcher.utter_message(response="utter_back")
        return [SlotSet(answered[-1], None), SlotSet("requested_slot", None)]


class ActionStartOver(Action):
    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_start_over")
        slots = [*ALL_CONSULTATION_SLOTS, "urgency", "topic", "change_slot", "requested_slot"]
        return [SlotSet(slot, None) for slot in slots]


def change_buttons(tracker: Tracker, lang: str) -> List[Dict[str, str]]:
    """«Змінити: вік 15», one per answered question the document asks, then «Почати спочатку»."""
    kb = knowledge_base()
    doc_type = valid_doc_type(tracker.get_slot("doc_type"))
    buttons = []
    for slot in kb.required_slots(doc_type, consultation_answers(tracker)):
        value = tracker.get_slot(slot)
        if value is None:
            continue
        question = kb.question_for(slot, doc_type)
        if question.type == "number":
            shown = AGE_SHOWN[lang].format(age=to_int(value))
        else:
            option = question.option(to_bool(value) if question.type == "boolean" else value)
            shown = option.label_in(lang) if option else str(value)
        title = CHANGE_BUTTON[lang].format(shown=shown)
        buttons.append({"title": title, "payload": payload("change_answer", change_slot=slot)})
    return buttons + navigation_buttons(lang)[1:]


class ActionChangeAnswer(Action):
    def name(self) -> Text:
        return "action_change_answer"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        answered = [s for s in ALL_CONSULTATION_SLOTS if tracker.get_slot(s) is not None]
        chosen = tracker.get_slot("change_slot")
        if chosen in answered:
            return [SlotSet(chosen, None), SlotSet("change_slot", None), SlotSet("requested_slot", None)]
        if not answered:
            dispatcher.utter_message(response="utter_back_at_start")
            return [SlotSet("change_slot", None)]
        lang = conversation_language(tracker)
        dispatcher.utter_message(response="utter_which_answer", buttons=change_buttons(tracker, lang))
        # Wait for the choice instead of running the form, which would just repeat the checklist. The form is active
        # again, so a value typed instead of a press («мені 15») goes to validate_consultation_form (typed_change):
        # after a finished checklist no rule would take a bare form answer, and the fallback left the user stuck.
        return [SlotSet("change_slot", None), ActiveLoop("consultation_form"), FollowupAction("action_listen")]


def typed_change(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """A value typed instead of a «Змінити: …» press («мені 15», «вкрали», "abroad"): the new answer to the first
    answered question it fits (an entity the NLU tagged first), said back. None: the form extracts as usual."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/") or _latest_intent(tracker) in NOT_AN_ANSWER:
        return None
    kb = knowledge_base()
    doc_type = valid_doc_type(tracker.get_slot("doc_type"))
    requested = tracker.get_slot("requested_slot")
    candidates = [
        s
        for s in kb.required_slots(doc_type, consultation_answers(tracker))
        if tracker.get_slot(s) is not None or s == requested
    ]
    said = _latest_entities(tracker)
    tagged = {s: checked_answer(s, tracker.get_slot(s), doc_type) for s in candidates if s in said}
    changed = {s: v for s, v in tagged.items() if v is not None}
    if tagged and not changed:
        return None  # «мені 200»: the slot's own validation explains
    if not changed:
        for slot in candidates:
            value = checked_answer(slot, parse_answer(kb.question_for(slot, doc_type), text[:1000]), doc_type)
            if value is not None:
                if slot == requested and tracker.get_slot(slot) is None:
                    return None  # the answer to the question still open: the form's own extraction takes it
                changed = {slot: value}
                break
    lang = conversation_language(tracker)
    if not changed:
        dispatcher.utter_message(response="utter_change_not_understood", buttons=change_buttons(tracker, lang))
        return None
    labels = answer_labels(doc_type, changed, lang, just_said=True)
    if labels:
        dispatcher.utter_message(response="utter_answer_kept", answers=", ".join(labels))
    return changed
