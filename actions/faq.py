"""FAQ answers: the best entry with its source and date when the retriever is sure, «Можливо, ви питаєте про…» with
the likeliest entries as buttons when it is not (never a confident wrong answer). Texts come from kb/faq."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Sequence, Set, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import conversation_language, knowledge_base, slots_before_this_message, to_int, today
from dmsbot.settings import settings
from kbengine.faq import FAQ_ENTITY, FaqBase, cached_faq, entry_buttons, followup_buttons, render_answer
from nlu.clarify import NONE_OF_THESE, NONE_OF_THESE_EN
from nlu.faq_decision import QUESTIONS, follow_up, likely_entries, suggested_beside_question

logger = logging.getLogger(__name__)

LIKELY = {"uk": "Схоже, ви питаєте про це: «{title}»", "en": "It looks like you are asking this: “{title}”"}
IF_NOT = {"uk": "Якщо я не влучив, можливо, ви питаєте про:", "en": "If that is not it, perhaps you are asking about:"}
DID_YOU_MEAN = {"uk": "Можливо, ви питаєте про:", "en": "Did you mean:"}
OR_MAYBE = {"uk": "Або, можливо, ви питаєте про:", "en": "Or perhaps you are asking about:"}
CONSULTATION_OFFER = {"uk": "🧭 Точний перелік для мене", "en": "🧭 An exact checklist for me"}
RELATED = {"uk": "Можливо, вам знадобиться й це:", "en": "This may help too:"}
FIRST_STEPS = {"uk": "Що зробити насамперед:", "en": "What to do first:"}
# Situations with steps to take before any checklist (report a loss, a theft).
LOSS_REASONS = frozenset({"lost", "stolen", "damaged"})
# A question this short after an answer may be about it («а що робити далі?»): its next steps are offered first.
LONGEST_CONTEXT_QUESTION = 5
MAX_CONTEXT_BUTTONS = 4
IF_ABOUT_DOCUMENTS = {
    "uk": "Якщо ж ви питаєте про документи, можливо, вам потрібне це:",
    "en": "If your question is about the documents, perhaps you need this:",
}
IN_THE_LAST_ANSWER = {
    "uk": "Про це — у відповіді вище:",
    "en": "That is in the answer above:",
}
# Entries about a procedure of its own: «а скільки часу є?», "where i do it" after them ask about that procedure (the
# month for a new passport after a name change, the registration office), not the document's fee, term or place.
OWN_PROCEDURE = frozenset(
    {"registration", "name_change", "immigration", "referral", "tax_number", "unzr", "stateless", "data_error"}
)
# «а скільки чекати?» after a name change asks for the new passport's term: the checklist engine's answer.
ASKS_TO_WAIT = re.compile(r"чека|ждат|жду|wait|виготов|изготов|робит|робл|делает|делают|made|make", re.IGNORECASE)
LONGEST_FRAGMENT = 6
MAX_FRAGMENTS_BACK = 3
PICK_ONE = {"uk": "Оберіть, будь ласка, питання кнопкою:", "en": "Please choose the question with a button:"}
# A question this short that no entry is sure of may lean on the conversation («а хто може забрати?» after a
# child's passport): an entry about the conversation's document or topic is answered, said to be a guess.
LONGEST_FOLLOW_UP = 8
# A context entry must still fit the words: at least this share of the best entry's score (as «did you mean» asks).
CONTEXT_SHARE = 0.5
# Two entries that fit the context equally and score closer than this are a tie: «а якщо запізнюсь?» after a list on
# the e-queue fits both the late arrival and the ticket's time.
CONTEXT_TIE = 0.02
MAX_TIED = 3
ADULT_AGE = 18
# «а що робити далі?», "and then?": the last answer's own next steps, not another entry (next_steps_of_the_last_answer).
ASKS_WHAT_NEXT = re.compile(r"(^|\W)(далі|дальше|далее|потім|потом|next|then)(\W|$)", re.IGNORECASE)
# Consultation answers that name an FAQ topic (kb/faq `topics`).
TOPIC_OF_ANSWER = {
    ("location", "abroad"): "abroad",
    ("reason", "lost"): "lost_stolen",
    ("reason", "stolen"): "lost_stolen",
    ("reason", "name_change"): "name_change",
    ("reason", "booklet_exchange"): "booklet",
    ("residence_ground", "employment"): "work",
    ("residence_ground", "study"): "study",
    ("residence_ground", "family_reunification"): "family",
}


def faq_base() -> FaqBase:
    return cached_faq(settings().dmsbot_kb_dir)


def requested_entry(tracker: Tracker, faq: FaqBase) -> Optional[str]:
    """An entry named by a button payload (/faq{"faq_id": "..."})."""
    return _named_entry(tracker.latest_message or {}, faq)


def _named_entry(parse: Dict[str, Any], faq: FaqBase) -> Optional[str]:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == FAQ_ENTITY and entity.get("value") in faq.entries:
            return entity["value"]
    return None


def _other_question(lang: str) -> Dict[str, str]:
    return dict(NONE_OF_THESE_EN if lang == "en" else NONE_OF_THESE)


def suggestions_beside_question(tracker: Tracker, faq: FaqBase) -> List[str]:
    """Entries to offer beside «which document?» (nlu.faq_decision.suggested_beside_question)."""
    return [i for i in suggested_beside_question(tracker.latest_message or {}) if i in faq.entries]


def related_entry(tracker: Tracker, doc_type: str, faq: FaqBase) -> Optional[str]:
    """An FAQ entry worth a button beside the checklist engine's answer for `doc_type`: the retriever's first entry
    for a typed question, at least worth suggesting, about that document and served by no intent. «Прописаний у
    Полтаві, живу в Києві, де робити закордонний» gets the places and the entry on registration as a button."""
    message = tracker.latest_message or {}
    retrieved = message.get("faq") or {}
    ranking = retrieved.get("ranking") or []
    if (message.get("text") or "").startswith("/") or not retrieved.get("suggest") or not ranking:
        return None
    if follow_up(message.get("entities") or [], message.get("text") or "") is not None:
        return None  # «а скільки робиться?» names no topic: an entry found for «робиться» would be noise
    entry = faq.entries.get(ranking[0].get("id"))
    if entry is None or entry.trains_intent or doc_type not in entry.documents:
        return None
    return entry.id


def first_steps_entry(tracker: Tracker, doc_type: Optional[str], faq: FaqBase) -> Optional[str]:
    """The entry with the first steps for a loss the user just typed («я загубив айді картку», "I lost my residence
    permit"): the consultation asks its next question, and the steps are one press away."""
    said = {e.get("value") for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == "reason"}
    if not doc_type or not said & LOSS_REASONS:
        return None
    return related_entry(tracker, doc_type, faq)


def answer_buttons(entry_id: str, faq: FaqBase, lang: str) -> List[Dict[str, str]]:
    entry = faq.entry(entry_id)
    buttons = followup_buttons(entry, faq, lang)
    # Answer first, then refine: the precise checklist is one press away when the entry is about a document.
    if (
        entry.documents
        and len(buttons) < 3
        and not any(f.startswith(("consultation:", "documents:")) for f in entry.followups)
    ):
        buttons.append(
            {"title": CONSULTATION_OFFER[lang], "payload": f'/start_consultation{{"doc_type":"{entry.documents[0]}"}}'}
        )
    return buttons


def next_steps_of_the_last_answer(tracker: Tracker, faq: FaqBase, lang: str) -> List[Dict[str, str]]:
    """The follow-up buttons of the entry answered just before, for a short question no entry is sure of."""
    if len((tracker.latest_message.get("text") or "").split()) > LONGEST_CONTEXT_QUESTION:
        return []
    entry_id = _answered_entry(_previous_user_parse(tracker), faq)
    return followup_buttons(faq.entry(entry_id), faq, lang) if entry_id else []


class ActionFaqAnswer(Action):
    def name(self) -> Text:
        return "action_faq_answer"

    async def run(self, dispatcher, tracker: Tracker, domain) -> List[EventType]:
        faq = faq_base()
        lang = conversation_language(tracker)
        if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
            return self._yes_to_the_last_reply(dispatcher, tracker, faq, lang)
        entry_id = requested_entry(tracker, faq)
        retrieved: Dict[str, Any] = tracker.latest_message.get("faq") or {}
        ranking = [r for r in retrieved.get("ranking") or [] if r.get("id") in faq.entries]
        if entry_id is None and ranking and retrieved.get("confident"):
            entry_id = ranking[0]["id"]
        if entry_id is not None:
            return self._answer(dispatcher, tracker, entry_id, faq, lang)
        in_context = follow_up_in_context(tracker, faq)
        if len(in_context) == 1:
            # Said to be a guess; the words' own likeliest entries stay one press away.
            top = ranking[0]["score"] if ranking else 1.0
            ranking = [{"id": in_context[0], "score": top}] + [r for r in ranking if r["id"] != in_context[0]]
            return self._likely_answer(dispatcher, tracker, ranking, faq, lang)
        if in_context:
            # Entries that fit the conversation equally well: offered first, before the words' own likeliest.
            offered = [*in_context, *(i for i in likely_entries(ranking) if i not in in_context)][:MAX_CONTEXT_BUTTONS]
            buttons = [*entry_buttons(offered, faq, lang), _other_question(lang)]
            dispatcher.utter_message(text=DID_YOU_MEAN[lang], buttons=buttons)
            return []
        if ranking and retrieved.get("likely"):
            return self._likely_answer(dispatcher, tracker, ranking, faq, lang)
        if not ranking:
            dispatcher.utter_message(response="utter_default")
            return []
        buttons = entry_buttons(likely_entries(ranking), faq, lang)
        context = next_steps_of_the_last_answer(tracker, faq, lang)
        if context:
            # «а що робити далі?» right after an answer: that answer's own next steps first.
            buttons = context + [b for b in buttons if b["payload"] not in {c["payload"] for c in context}]
            buttons = buttons[:MAX_CONTEXT_BUTTONS]
        dispatcher.utter_message(text=DID_YOU_MEAN[lang], buttons=[*buttons, _other_question(lang)])
        return []

    @staticmethod
    def _answer(dispatcher, tracker: Tracker, entry_id: str, faq: FaqBase, lang: str) -> List[EventType]:
        entry = faq.entry(entry_id)
        text = render_answer(entry, knowledge_base(), lang, today())
        dispatcher.utter_message(text=text, buttons=answer_buttons(entry_id, faq, lang))
        return _document_of_the_answer(tracker, entry.documents)

    def _likely_answer(
        self, dispatcher, tracker: Tracker, ranking: List[Dict[str, Any]], faq: FaqBase, lang: str
    ) -> List[EventType]:
        """Answer first when one entry is likely but not sure: its answer, said to be a guess, and the other likely
        entries as buttons right after it (nlu.faq_retriever `likely_threshold`)."""
        entry_id = ranking[0]["id"]
        dispatcher.utter_message(text=LIKELY[lang].format(title=faq.entry(entry_id).title(lang)))
        events = self._answer(dispatcher, tracker, entry_id, faq, lang)
        others = [i for i in likely_entries(ranking) if i != entry_id]
        if others:
            buttons = [*entry_buttons(others, faq, lang), _other_question(lang)]
            dispatcher.utter_message(text=IF_NOT[lang], buttons=buttons)
        return events

    def _yes_to_the_last_reply(self, dispatcher, tracker: Tracker, faq: FaqBase, lang: str) -> List[EventType]:
        """«так» after «Можливо, ви питаєте про: …» (data/rules/faq.yml): the one entry offered is answered, several
        are offered again; after an answer a yes is an acknowledgement."""
        previous = _previous_user_parse(tracker)
        ranking = [r for r in (previous.get("faq") or {}).get("ranking") or [] if r.get("id") in faq.entries]
        offered = [] if _answered_entry(previous, faq) else likely_entries(ranking)
        if len(offered) == 1:
            return self._answer(dispatcher, tracker, offered[0], faq, lang)
        if offered:
            buttons = [*entry_buttons(offered, faq, lang), _other_question(lang)]
            dispatcher.utter_message(text=PICK_ONE[lang], buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_acknowledged")
        return []


class ActionHelp(Action):
    """What the bot can do and the main menu. «а що робити далі?» right after an FAQ answer — DIET reads «що робити
    далі» as a call for help — gets that answer's next steps instead, as action_faq_answer gives them."""

    def name(self) -> Text:
        return "action_help"

    async def run(self, dispatcher, tracker: Tracker, domain) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not text.startswith("/") and ASKS_WHAT_NEXT.search(text):
            lang = conversation_language(tracker)
            steps = next_steps_of_the_last_answer(tracker, faq_base(), lang)
            if steps:
                dispatcher.utter_message(
                    text=DID_YOU_MEAN[lang], buttons=[*steps[:MAX_CONTEXT_BUTTONS], _other_question(lang)]
                )
                return []
        dispatcher.utter_message(response="utter_help")
        dispatcher.utter_message(response="utter_main_menu")
        return []


class ActionOutOfScope(Action):
    """The refusal for a message DIET is sure is no ДМС question, with the main menu outside the consultation. In a
    conversation about a document, a short message may still be a follow-up DIET misread («а без резерв+
    оформлять?» after «мені 35, живу в Чехії, потрібен закордонний»): the entry that fits the conversation is offered
    as a button after the refusal — offered, not answered, as «скільки коштує бензин» fits a fee entry too."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher, tracker: Tracker, domain) -> List[EventType]:
        faq = faq_base()
        lang = conversation_language(tracker)
        dispatcher.utter_message(response="utter_out_of_scope")
        in_context = follow_up_in_context(tracker, faq)
        if in_context:
            buttons = [*entry_buttons(in_context, faq, lang), _other_question(lang)]
            dispatcher.utter_message(text=IF_ABOUT_DOCUMENTS[lang], buttons=buttons)
        elif not (tracker.active_loop or {}).get("name"):
            dispatcher.utter_message(response="utter_main_menu")
        return []


def asked_about_the_last_answer(tracker: Tracker, faq: FaqBase) -> Optional[str]:
    """The entry answered just before, when a short fee / term / place question that names no document asks about it,
    not about a document's checklist: the entry is about no document («where» after extending a visa-free stay), or
    about a procedure of its own and the question does not ask how long the document is made ("how many days i have"
    after registering an address: the month to register, not the permit's 15 working days)."""
    if not _is_fragment(tracker.latest_message or {}):
        return None
    entry_id = _last_answer_before_fragments(tracker, faq)
    if entry_id is None or faq.entry(entry_id).trains_intent:
        return None
    return entry_id if _about_the_entry(tracker, faq, entry_id) else None


def asked_about_the_last_list(tracker: Tracker, faq: FaqBase) -> List[str]:
    """The entries offered as buttons just before («Можливо, ви питаєте про:»), the likeliest first, when a short term
    question that names no document asks about that likeliest one as asked_about_the_last_answer does about an
    answer, and every entry offered is about the same procedure of its own: "how long time i have" after a
    list of name-change entries for "I got married and changed my surname, need new trp?" is the month to exchange
    the permit, not the permit's 15 working days. Only a term question: the procedure's fee and place are the
    document's own (a name change is paid and made as the new passport), while «а де?» after entries on registration
    may well ask where to make the passport. Empty otherwise."""
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != "ask_processing_time" or not _is_fragment(message):
        return []
    offered = _offered_in_the_last_reply(tracker, faq)
    if not offered or faq.entry(offered[0]).trains_intent or not _about_the_entry(tracker, faq, offered[0]):
        return []
    shared = set(OWN_PROCEDURE)
    for entry_id in offered:
        shared &= set(faq.entry(entry_id).topics)
    return offered if shared else []


def _is_fragment(message: Dict[str, Any]) -> bool:
    """A short typed fee / term / place question that names no document («а скільки часу є?», "where i do it")."""
    text = message.get("text") or ""
    intent = (message.get("intent") or {}).get("name")
    if text.startswith("/") or intent not in QUESTIONS or len(text.split()) > LONGEST_FRAGMENT:
        return False
    return not _names_a_document(message)


def _about_the_entry(tracker: Tracker, faq: FaqBase, entry_id: str) -> bool:
    """Whether the fragment asks about the entry rather than a document's checklist (asked_about_the_last_answer)."""
    message = tracker.latest_message or {}
    entry = faq.entry(entry_id)
    waits = (message.get("intent") or {}).get("name") == "ask_processing_time" and bool(
        ASKS_TO_WAIT.search(message.get("text") or "")
    )
    return not entry.documents or bool(set(entry.topics) & OWN_PROCEDURE and not waits)


def _offered_in_the_last_reply(tracker: Tracker, faq: FaqBase) -> List[str]:
    """The entries the bot's reply to the previous message offered under «Можливо, ви питаєте про:» (a list instead
    of an answer, or beside «which document?»), in their order."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return []
    headers = {*DID_YOU_MEAN.values(), *OR_MAYBE.values()}
    offered: List[str] = []
    for event in events[users[-2] + 1 : users[-1]]:
        if event.get("event") != "bot" or event.get("text") not in headers:
            continue
        for button in (event.get("data") or {}).get("buttons") or []:
            entry_id = _entry_of_payload(button.get("payload") or "")
            if entry_id in faq.entries and entry_id not in offered:
                offered.append(entry_id)
    return offered


def _entry_of_payload(text: str) -> Optional[str]:
    """The entry a /faq{"faq_id": …} button payload names."""
    match = re.fullmatch(r"/faq(\{.*\})", text.strip())
    if not match:
        return None
    try:
        value = json.loads(match.group(1)).get(FAQ_ENTITY)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def guess_from_the_last_list(
    dispatcher, offered: List[str], faq: FaqBase, lang: str, buttons: List[Dict[str, str]]
) -> None:
    """The likeliest entry of the list just offered, said to be a guess, with `buttons` (the document's own fee, term
    or place), then the list's other entries again."""
    entry = faq.entry(offered[0])
    text = render_answer(entry, knowledge_base(), lang, today())
    dispatcher.utter_message(text=f"{LIKELY[lang].format(title=entry.title(lang))}\n\n{text}", buttons=buttons)
    if offered[1:]:
        others = [*entry_buttons(offered[1:], faq, lang), _other_question(lang)]
        dispatcher.utter_message(text=IF_NOT[lang], buttons=others)


def _names_a_document(parse: Dict[str, Any]) -> bool:
    return any(e.get("entity") == "doc_type" for e in parse.get("entities") or [])


def _last_answer_before_fragments(tracker: Tracker, faq: FaqBase) -> Optional[str]:
    """The entry of the last FAQ answer, looking back past fee / term / place fragments: "where i do it", then "how
    many days i have" after registering an address are both about the registration."""
    users = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"][:-1]
    for parse in reversed(users[-MAX_FRAGMENTS_BACK:]):
        entry_id = _answered_entry(parse, faq)
        if entry_id:
            return entry_id
        text = parse.get("text") or ""
        fragment = (parse.get("intent") or {}).get("name") in QUESTIONS and len(text.split()) <= LONGEST_FRAGMENT
        if not fragment or text.startswith("/") or _names_a_document(parse):
            return None
    return None


def say_the_last_answer_again(
    dispatcher, entry_id: str, faq: FaqBase, lang: str, buttons: List[Dict[str, str]]
) -> None:
    """«Про це — у відповіді вище:» and that answer, with `buttons` (the document's own fee,
    term or place one press away)."""
    text = render_answer(faq.entry(entry_id), knowledge_base(), lang, today())
    dispatcher.utter_message(text=f"{IN_THE_LAST_ANSWER[lang]}\n\n{text}", buttons=buttons)


def follow_up_in_context(tracker: Tracker, faq: FaqBase) -> List[str]:
    """The entry a short question no entry is sure of means in this conversation: among the entries that fit its
    words, the one about the conversation's document and topics (the last answer's entry, the document, a child's
    age, abroad, a loss). «сколько делается загран ребенку 5 лет» → «а хто може забрати?» is the child's passport
    collected; «вкрали закордонний» → «а що за витяг такий?» the ЄРДР extract."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    retrieved = message.get("faq") or {}
    if text.startswith("/") or len(text.split()) > LONGEST_FOLLOW_UP or not retrieved.get("suggest"):
        return []
    if retrieved.get("likely") or ASKS_WHAT_NEXT.search(text):
        return []  # the words themselves point at one entry, or at the last answer's next steps
    answered = _answered_entry(_previous_user_parse(tracker), faq)
    documents, topics = _conversation_context(tracker, faq, answered)
    if not documents and not topics:
        return []
    # The answer just given is no answer to the next question («а якщо вона в таборі?»).
    ranking = [r for r in retrieved.get("wider") or retrieved.get("ranking") or [] if r.get("id") != answered]
    return entries_in_context(ranking, faq, documents, topics)


def entries_in_context(
    ranking: Sequence[Dict[str, Any]], faq: FaqBase, documents: Set[str], topics: Set[str]
) -> List[str]:
    """The best-fitting entry of `ranking` for the context: about one of `documents` (counts most), then sharing the
    most `topics`; the words' order breaks ties. An entry about other documents does not fit, nor one without the
    context's topics when it has some: the same document alone picked the consulate's term for «а скільки часу
    дається?» after a name change. Two entries that fit as well and score within CONTEXT_TIE are both returned (a
    list, not a coin flip); none when no entry scoring at least CONTEXT_SHARE of the best fits."""
    ranked = [r for r in ranking if r.get("id") in faq.entries]
    if not ranked or ranked[0]["score"] <= 0:
        return []
    best = ranked[0]["score"]
    fits = []
    for place, r in enumerate(ranked):
        if r["score"] < best * CONTEXT_SHARE:
            continue
        entry = faq.entry(r["id"])
        same_document = bool(documents & set(entry.documents))
        shared_topics = len(topics & set(entry.topics))
        if (documents and entry.documents and not same_document) or (topics and not shared_topics):
            continue
        fit = 2 * same_document + shared_topics
        if fit:
            fits.append((-fit, place, r["score"], r["id"]))
    fits.sort()
    tied = [f for f in fits if f[0] == fits[0][0] and fits[0][2] - f[2] < CONTEXT_TIE] if fits else []
    return [f[3] for f in tied[:MAX_TIED]]


def _conversation_context(tracker: Tracker, faq: FaqBase, answered: Optional[str]) -> Tuple[Set[str], Set[str]]:
    """The documents and topics the conversation is about: the entry `answered` just before, or what all the entries
    of a list just offered share, and, failing that, the conversation's document; a child's age, abroad, a loss and a
    permit's ground add their topics."""
    documents: Set[str] = set()
    topics: Set[str] = set()
    # What the conversation said before this message: a document or age this message names is its words, which the
    # retriever has already read («чи можна зробити айді картку без прописки» alone is no follow-up).
    slots = slots_before_this_message(tracker)
    offered = [] if answered else [faq.entry(i) for i in _offered_in_the_last_reply(tracker, faq)]
    if answered:
        entry = faq.entry(answered)
        documents |= set(entry.documents)
        topics |= set(entry.topics) - {"general"}
    elif offered:
        # A list instead of an answer: what all its entries are about ("I lost my Ukrainian passport in Portugal"
        # offered three losses; "how do I get home without a passport?" is the return certificate).
        documents = set.intersection(*(set(e.documents) for e in offered))
        topics = set.intersection(*(set(e.topics) for e in offered)) - {"general"}
    if not answered and not documents and slots.get("doc_type"):
        documents.add(slots["doc_type"])
    age = to_int(slots.get("age"))
    if age is not None and age < ADULT_AGE:
        topics.add("children")
    for (slot, value), topic in TOPIC_OF_ANSWER.items():
        if slots.get(slot) == value:
            topics.add(topic)
    return documents, topics


def _document_of_the_answer(tracker: Tracker, documents: Sequence[str]) -> List[EventType]:
    """An answer about one document makes it the conversation's: «а що брати з собою?», «а скільки коштує?» next get
    that document's checklist or fee, and the reply names it. A document the user named in the message stays."""
    named = any(e.get("entity") == "doc_type" for e in (tracker.latest_message or {}).get("entities") or [])
    if len(documents) != 1 or named or tracker.get_slot("doc_type") == documents[0]:
        return []
    return [SlotSet("doc_type", documents[0])]


def _answered_entry(parse: Dict[str, Any], faq: FaqBase) -> Optional[str]:
    """The entry an FAQ answer to this parse gave: named by its button, or the sure first of the ranking."""
    named = _named_entry(parse, faq)
    if named:
        return named
    retrieved = parse.get("faq") or {}
    ranking = retrieved.get("ranking") or []
    answered = retrieved.get("confident") or retrieved.get("likely")
    if (parse.get("intent") or {}).get("name") == "faq" and answered and ranking:
        return ranking[0].get("id") if ranking[0].get("id") in faq.entries else None
    return None


def _previous_user_parse(tracker: Tracker) -> Dict[str, Any]:
    """The parse of the user message before the latest one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    return (users[-2].get("parse_data") or {}) if len(users) >= 2 else {}
