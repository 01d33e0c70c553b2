"""action_faq_answer: a sure retrieval answers with source and date in the conversation's language; an unsure one
offers the likeliest entries; a button names the entry exactly. Runs on the fixture FAQ (tests/faq/fixture)."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionFaqAnswer, ActionOutOfScope
from nlu.clarify import clarification


@pytest.fixture(autouse=True)
def fixture_kb_env(fixture_kb, monkeypatch):
    monkeypatch.setenv("DMSBOT_KB_DIR", str(fixture_kb))
    monkeypatch.setenv("DMSBOT_TODAY", "2026-12-03")


def run(language, faq=None, entities=None, text="питання"):
    latest = {"text": text, "intent": {"name": "faq", "confidence": 0.9}, "entities": entities or []}
    if faq is not None:
        latest["faq"] = faq
    tracker = Tracker("u", {"language": language}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]


SURE = {
    "confidence": 0.93,
    "confident": True,
    "ranking": [{"id": "child_foreign_passport_who_applies", "score": 0.8}, {"id": "photo_needed", "score": 0.3}],
}
UNSURE = {
    "confidence": 0.3,
    "confident": False,
    "ranking": [
        {"id": "photo_needed", "score": 0.5},
        {"id": "pay_privat24", "score": 0.45},
        {"id": "lost_id_card_steps", "score": 0.1},
    ],
}


def test_confident_answer_in_ukrainian_with_source_date_and_followups():
    message = run("uk", SURE)
    assert message["text"].startswith("Дитині до 14 років документи подає один із батьків")
    assert "Джерело: https://sud.ua/uk/news/ukraine/351710-example — станом на 24.01.2026" in message["text"]
    assert "грн" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0] == "📋 Що взяти з собою: закордонний паспорт"


def test_confident_answer_in_english():
    message = run("en", SURE)
    assert message["text"].startswith("For a child under 14 one parent applies")
    assert "Source: https://sud.ua/uk/news/ukraine/351710-example — as of 24.01.2026" in message["text"]
    assert "UAH" in message["text"]
    assert message["buttons"][0]["title"] == "📋 What to bring: passport for travel abroad"


def test_unsure_offers_the_likeliest_entries_not_an_answer():
    message = run("uk", UNSURE)
    assert message["text"] == "Можливо, ви питаєте про:"
    payloads = [b["payload"] for b in message["buttons"]]
    # The third scores under half of the best: not offered.
    assert payloads == ['/faq{"faq_id":"photo_needed"}', '/faq{"faq_id":"pay_privat24"}', "/help"]
    english = run("en", UNSURE)
    assert english["text"] == "Did you mean:"
    assert english["buttons"][0]["title"] == "Do I need to bring a photo for the ID card?"


def test_button_names_the_entry():
    message = run("en", None, [{"entity": "faq_id", "value": "pay_privat24"}], '/faq{"faq_id":"pay_privat24"}')
    assert message["text"].startswith("As far as we know (check with the DMS): Yes, you can pay online")
    # Answer first, then refine: entries without a document get no checklist offer.
    assert message["buttons"] == []


def test_consultation_offer_when_the_entry_is_about_a_document():
    message = run("uk", None, [{"entity": "faq_id", "value": "student_permit_after_end"}])
    assert message["buttons"] == [
        {
            "title": "🧭 Точний перелік для мене",
            "payload": '/start_consultation{"doc_type":"temporary_residence_permit"}',
        }
    ]


def answer_events(faq_id, entities=(), slots=None):
    latest = {
        "text": "питання",
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [{"entity": "faq_id", "value": faq_id}, *entities],
    }
    tracker = Tracker("u", {"language": "uk", **(slots or {})}, latest, [], False, None, {}, "action_listen")
    return asyncio.run(ActionFaqAnswer().run(CollectingDispatcher(), tracker, {}))


def test_an_answer_about_one_document_makes_it_the_conversations():
    # «а що брати з собою?» next gets the list for that document (actions.consultation.ActionStartConsultation).
    assert answer_events("lost_id_card_steps") == [SlotSet("doc_type", "id_card")]
    assert answer_events("lost_id_card_steps", slots={"doc_type": "id_card"}) == []
    # Two documents, or none: nothing to carry on with.
    assert answer_events("photo_needed", slots={"doc_type": "foreign_passport"}) == []
    assert answer_events("pay_privat24") == []
    # The document the user named stays the conversation's, whatever the entry is about.
    named = [{"entity": "doc_type", "value": "foreign_passport"}]
    assert answer_events("lost_id_card_steps", named, {"doc_type": "foreign_passport"}) == []


def test_clarifying_question_in_english():
    latest = {"intent_ranking": [{"name": "ask_fee", "confidence": 0.4}, {"name": "ask_documents", "confidence": 0.3}]}
    question, buttons = clarification(latest, lang="en")
    assert question == "Sorry, I did not quite understand. Did you mean:"
    assert [b["title"] for b in buttons][:2] == ["💳 How much it costs", "📄 Which documents I need"]
    assert buttons[-1] == {"title": "Something else", "payload": "/help"}


def test_earlier_answers_only_for_the_same_document_and_said():
    from actions.facts import ActionAnswerTopic

    def ask(previous_doc):
        events = [
            {"event": "slot", "name": "doc_type", "value": previous_doc},
            {"event": "slot", "name": "location", "value": "abroad"},
        ]
        latest = {
            "text": "де оформити закордонний",
            "intent": {"name": "ask_where_to_apply", "confidence": 0.95},
            "entities": [{"entity": "doc_type", "value": "foreign_passport"}],
        }
        tracker = Tracker(
            "u",
            {"doc_type": "foreign_passport", "location": "abroad", "topic": "where_to_apply", "language": "uk"},
            latest,
            events + [{"event": "user", "text": latest["text"], "parse_data": latest}],
            False,
            None,
            {},
            "action_listen",
        )
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerTopic().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]["text"]

    same = ask("foreign_passport")
    assert same.endswith("Враховую ваші попередні відповіді: за кордоном.")
    other = ask("id_card")  # «за кордоном» was said about another document: not reused
    assert "Враховую" not in other


def test_a_more_specific_entry_comes_as_a_button_beside_the_checklist_answer():
    """A typed place question for the foreign passport, the retriever's first entry about that passport and worth
    suggesting: the places come first, and the entry one press away. Not for a button, another document, an entry an
    intent serves, or a retrieval not worth suggesting."""
    import dataclasses

    from actions.facts import ActionAnswerTopic
    from actions.faq import faq_base, related_entry
    from kbengine.faq import FaqBase

    faq = faq_base()
    entry = "photo_needed"  # about the ID card and the foreign passport
    assert "foreign_passport" in faq.entry(entry).documents

    def tracker_for(text, top, suggest):
        named = "закордонний" in text or text.startswith("/")
        latest = {
            "text": text,
            "intent": {"name": "ask_where_to_apply", "confidence": 0.99},
            "entities": [{"entity": "doc_type", "value": "foreign_passport"}] if named else [],
            "faq": {"confidence": 0.3, "confident": False, "suggest": suggest, "ranking": [{"id": top, "score": 0.8}]},
        }
        return Tracker(
            "u",
            {"doc_type": "foreign_passport", "topic": "where_to_apply", "language": "uk"},
            latest,
            [{"event": "user", "text": text, "parse_data": latest}],
            False,
            None,
            {},
            "action_listen",
        )

    def answer(text="де робити закордонний, якщо фото вже є", top=entry, suggest=True):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionAnswerTopic().run(dispatcher, tracker_for(text, top, suggest), {}))
        return dispatcher.messages[0]

    with_entry = answer()
    assert with_entry["text"].endswith("Можливо, вам знадобиться й це:")
    assert entry in with_entry["buttons"][0]["payload"] and len(with_entry["buttons"]) == 5
    plain_ones = (
        answer(text="/ask_where_to_apply"),
        answer(suggest=False),
        answer(top="lost_id_card_steps"),
        answer(text="а де його зробити?"),  # the conversation's document, and no topic of its own
    )
    for plain in plain_ones:
        assert "знадобиться" not in plain["text"] and len(plain["buttons"]) == 4
    served = dataclasses.replace(faq.entry(entry), trains_intent="ask_where_to_apply")
    served_faq = FaqBase({**faq.entries, entry: served})
    assert related_entry(tracker_for("де робити закордонний", entry, True), "foreign_passport", served_faq) is None
    assert related_entry(tracker_for("де робити закордонний", entry, True), "foreign_passport", faq) == entry


def yes_after(previous_faq, previous_entities=None, language="uk"):
    """«так» typed after the reply to a message whose parse held `previous_faq`."""
    before = {"text": "питання", "intent": {"name": "faq"}, "entities": previous_entities or [], "faq": previous_faq}
    latest = {"text": "так", "intent": {"name": "affirm", "confidence": 0.99}, "entities": []}
    events = [
        {"event": "user", "text": "питання", "parse_data": before},
        {"event": "action", "name": "action_faq_answer"},
        {"event": "user", "text": "так", "parse_data": latest},
    ]
    tracker = Tracker("u", {"language": language}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    assert result == [] and len(dispatcher.messages) == 1
    return dispatcher.messages[0]


def test_a_yes_to_one_offered_entry_answers_it():
    one = {"confidence": 0.2, "confident": False, "ranking": [{"id": "photo_needed", "score": 0.5}]}
    assert yes_after(one)["text"].startswith(run("uk", {**one, "confident": True})["text"][:40])


def test_a_yes_to_several_offered_entries_offers_them_again():
    message = yes_after(UNSURE)
    assert message["text"] == "Оберіть, будь ласка, питання кнопкою:"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ['/faq{"faq_id":"photo_needed"}', '/faq{"faq_id":"pay_privat24"}', "/help"]
    assert yes_after(UNSURE, language="en")["text"] == "Please choose the question with a button:"


@pytest.mark.parametrize(
    "previous, entities",
    [(SURE, None), (UNSURE, [{"entity": "faq_id", "value": "photo_needed"}]), ({}, None)],
)
def test_a_yes_after_an_answer_is_an_acknowledgement(previous, entities):
    assert yes_after(previous, entities)["response"] == "utter_acknowledged"


def after_an_answer(previous_faq, text, latest_faq=UNSURE, intent="faq"):
    before = {"text": "питання", "intent": {"name": intent}, "entities": [], "faq": previous_faq}
    latest = {"text": text, "intent": {"name": "faq", "confidence": 0.9}, "entities": [], "faq": latest_faq}
    events = [
        {"event": "user", "text": "питання", "parse_data": before},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    tracker = Tracker("u", {"language": "uk"}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    return [b["payload"] for b in dispatcher.messages[0]["buttons"]]


def test_a_short_unsure_question_after_an_answer_offers_its_next_steps_first():
    payloads = after_an_answer(SURE, "а що далі?")
    # child_foreign_passport_who_applies's follow-ups, then the retriever's entries not among them, then «other».
    assert payloads == [
        '/ask_documents{"doc_type":"foreign_passport"}',
        '/faq{"faq_id":"photo_needed"}',
        '/faq{"faq_id":"pay_privat24"}',
        "/help",
    ]


def test_no_next_steps_for_a_long_question_or_after_no_answer():
    plain = ['/faq{"faq_id":"photo_needed"}', '/faq{"faq_id":"pay_privat24"}', "/help"]
    assert after_an_answer(SURE, "а що робити якщо я загубив свідоцтво про народження дитини") == plain
    assert after_an_answer(UNSURE, "а що далі?") == plain  # the last reply was «did you mean», no answer
    assert after_an_answer(SURE, "а що далі?", intent="ask_fee") == plain  # that one went to the checklist


def test_a_likely_entry_is_answered_as_a_guess_with_the_others_beside_it():
    # Not sure, but one entry well ahead: answer first, say it is a guess, offer the others (never a bare list).
    likely = {**UNSURE, "likely": True}
    latest = {"text": "питання", "intent": {"name": "faq", "confidence": 0.9}, "entities": [], "faq": likely}
    tracker = Tracker("u", {"language": "uk"}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    hedge, answer, others = dispatcher.messages
    assert hedge["text"].startswith("Схоже, ви питаєте про це: «")
    assert "Джерело:" in answer["text"] or "Джерела" in answer["text"]
    assert others["text"] == "Якщо я не влучив, можливо, ви питаєте про:"
    assert [b["payload"] for b in others["buttons"]] == ['/faq{"faq_id":"pay_privat24"}', "/help"]
    # Not likely: the list alone, as before.
    assert run("uk", {**UNSURE, "likely": False})["text"] == "Можливо, ви питаєте про:"


# --- a short follow-up no entry is sure of leans on the conversation (actions/faq.py follow_up_in_context) ---

COLLECT_ENTRY = """
entries:
  - id: child_foreign_passport_collect
    documents: [foreign_passport]
    topics: [children]
    questions:
      - "хто може забрати готовий закордонний паспорт дитини?"
      - "кто может забрать загранпаспорт ребенка"
      - "бабуся може забрати закордонний онуки?"
      - "who can collect my child's passport for travel abroad?"
      - "хто забирае закордоний дитини"
    answer:
      uk: "Готовий паспорт дитини забирає той із батьків, хто подавав документи."
      en: "The parent who applied collects the child's passport."
    source: {url: "https://sud.ua/uk/news/ukraine/354311-example", as_of: 2026-02-25}
    followups: [documents:foreign_passport]
"""


@pytest.fixture
def collect_entry(fixture_kb):
    (fixture_kb / "faq" / "collect.yml").write_text(COLLECT_ENTRY, encoding="utf-8")


FOLLOW_UP = {
    "confidence": 0.25,
    "confident": False,
    "suggest": True,
    "ranking": [
        {"id": "pay_privat24", "score": 0.5},
        {"id": "lost_id_card_steps", "score": 0.42},
        {"id": "student_permit_after_end", "score": 0.3},
    ],
    # The child's passport entries fit the words too, just below the three shown.
    "wider": [
        {"id": "pay_privat24", "score": 0.5},
        {"id": "lost_id_card_steps", "score": 0.42},
        {"id": "student_permit_after_end", "score": 0.3},
        {"id": "child_foreign_passport_who_applies", "score": 0.29},
        {"id": "child_foreign_passport_collect", "score": 0.28},
        {"id": "photo_needed", "score": 0.1},
    ],
}
CHILD_ANSWERED = {
    "text": "хто подає на закордонний за дитину",
    "intent": {"name": "faq", "confidence": 0.95},
    "entities": [],
    "faq": {"confident": True, "ranking": [{"id": "child_foreign_passport_who_applies", "score": 0.8}]},
}


def run_after(previous, faq, text="а хто може забрати?", slots=None, language="uk"):
    """The latest message `text` (retrieval `faq`) after the user message `previous` (None: the first message)."""
    latest = {"text": text, "intent": {"name": "faq", "confidence": 0.8}, "entities": [], "faq": faq}
    # The slots were set by earlier messages: their events come before the latest one.
    events = [{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()]
    events += [{"event": "user", "text": previous["text"], "parse_data": previous}] if previous else []
    events.append({"event": "user", "text": text, "parse_data": latest})
    tracker = Tracker("u", {"language": language, **(slots or {})}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_follow_up_after_an_answer_gets_the_entry_about_the_same_document_as_a_guess(collect_entry):
    messages = run_after(CHILD_ANSWERED, FOLLOW_UP)
    assert messages[0]["text"].startswith("Схоже, ви питаєте про це:")
    # The entry answered just before is not said again: the next one about the child's passport is.
    assert messages[1]["text"].startswith("Готовий паспорт дитини забирає той із батьків")
    # The words' own likeliest entries stay one press away.
    payloads = [b["payload"] for b in messages[2]["buttons"]]
    assert payloads[:2] == ['/faq{"faq_id":"pay_privat24"}', '/faq{"faq_id":"lost_id_card_steps"}']
    english = run_after(CHILD_ANSWERED, FOLLOW_UP, text="who can collect it?", language="en")
    assert english[0]["text"].startswith("It looks like you are asking this:")
    assert english[1]["text"].startswith("The parent who applied collects")


def test_an_entry_about_another_document_or_without_the_topic_does_not_fit(collect_entry):
    # After the loss steps for the ID card (topic lost_stolen): the children's entries are about another document
    # and topic, photo_needed shares the ID card but not the topic.
    lost = dict(CHILD_ANSWERED, faq={"confident": True, "ranking": [{"id": "lost_id_card_steps", "score": 0.9}]})
    photo_too = dict(FOLLOW_UP, wider=[*FOLLOW_UP["wider"][:-1], {"id": "photo_needed", "score": 0.27}])
    assert run_after(lost, photo_too)[0]["text"] == "Можливо, ви питаєте про:"


def test_without_a_conversation_the_same_question_gets_the_list():
    messages = run_after(None, FOLLOW_UP)
    assert [m["text"] for m in messages] == ["Можливо, ви питаєте про:"]


def test_a_document_or_age_named_in_the_message_itself_is_no_context():
    # «чи можна зробити айді картку без прописки» as the first message: its own document is its words.
    latest = {"text": "а хто може забрати?", "intent": {"name": "faq", "confidence": 0.8}, "entities": []}
    latest["faq"] = FOLLOW_UP
    events = [
        {"event": "user", "text": latest["text"], "parse_data": latest},
        {"event": "slot", "name": "doc_type", "value": "foreign_passport"},
        {"event": "slot", "name": "age", "value": 10},
    ]
    slots = {"language": "uk", "doc_type": "foreign_passport", "age": 10}
    tracker = Tracker("u", slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"] == "Можливо, ви питаєте про:"


def test_the_conversation_document_and_a_child_age_are_context_too():
    # No entry answered before: the conversation's document alone (no topic) or a child's age.
    messages = run_after(None, FOLLOW_UP, slots={"doc_type": "foreign_passport"})
    assert messages[1]["text"].startswith("Дитині до 14 років")
    # A child's age alone: the children's entry.
    messages = run_after(None, FOLLOW_UP, slots={"age": 10})
    assert messages[1]["text"].startswith("Дитині до 14 років")
    # An adult's age is no context.
    assert run_after(None, FOLLOW_UP, slots={"age": 40})[0]["text"] == "Можливо, ви питаєте про:"


def test_a_long_question_or_an_entry_far_below_the_best_is_not_taken_from_the_context():
    long_question = "а хто може забрати готовий документ якщо я буду у відрядженні в іншому місті"
    assert run_after(CHILD_ANSWERED, FOLLOW_UP, text=long_question)[0]["text"] == "Можливо, ви питаєте про:"
    far = dict(FOLLOW_UP, wider=[*FOLLOW_UP["ranking"], {"id": "child_foreign_passport_who_applies", "score": 0.2}])
    assert run_after(CHILD_ANSWERED, far)[0]["text"] == "Можливо, ви питаєте про:"
    assert run_after(CHILD_ANSWERED, dict(FOLLOW_UP, suggest=False))[0]["text"] == "Можливо, ви питаєте про:"
    # «а що робити далі?» asks for the last answer's next steps, which come first among the buttons.
    what_next = run_after(CHILD_ANSWERED, FOLLOW_UP, text="а що робити далі?")
    assert what_next[0]["text"] == "Можливо, ви питаєте про:"
    assert what_next[0]["buttons"][0]["payload"] == '/ask_documents{"doc_type":"foreign_passport"}'


def test_a_likely_entry_of_the_words_stays_the_answer(collect_entry):
    likely = {**FOLLOW_UP, "likely": True}
    messages = run_after(CHILD_ANSWERED, likely)
    assert messages[1]["text"].startswith(
        run("uk", {**SURE, "ranking": [{"id": "pay_privat24", "score": 0.9}]})["text"]
    )


def run_after_list(offered, faq, text="а хто може забрати?", slots=None):
    """The latest message `text` after a reply that offered `offered` under «Можливо, ви питаєте про:»."""
    previous = {"text": "закордонний дитині", "intent": {"name": "faq", "confidence": 0.8}, "entities": []}
    previous["faq"] = {"confident": False, "suggest": True, "ranking": [{"id": i, "score": 0.4} for i in offered]}
    latest = {"text": text, "intent": {"name": "faq", "confidence": 0.8}, "entities": [], "faq": faq}
    buttons = [{"title": i, "payload": f'/faq{{"faq_id":"{i}"}}'} for i in offered] + [
        {"title": "x", "payload": "/help"}
    ]
    events = [
        {"event": "user", "text": previous["text"], "parse_data": previous},
        {"event": "bot", "text": "Можливо, ви питаєте про:", "data": {"buttons": buttons}},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    tracker = Tracker("u", {"language": "uk", **(slots or {})}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFaqAnswer().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_a_follow_up_after_a_list_leans_on_what_its_entries_share(collect_entry):
    # Both entries offered are about a child's passport for travel abroad: the collection entry fits the follow-up.
    faq = dict(FOLLOW_UP, wider=[*FOLLOW_UP["ranking"], {"id": "child_foreign_passport_collect", "score": 0.28}])
    messages = run_after_list(["child_foreign_passport_who_applies", "child_foreign_passport_collect"], faq)
    assert messages[0]["text"].startswith("Схоже, ви питаєте про це:")
    assert messages[1]["text"].startswith("Готовий паспорт дитини забирає той із батьків")
    # Entries on nothing in common give no context: the words' own list.
    mixed = run_after_list(["child_foreign_passport_collect", "pay_privat24"], faq)
    assert [m["text"] for m in mixed] == ["Можливо, ви питаєте про:"]


def test_two_entries_that_fit_the_conversation_equally_are_offered_not_guessed(collect_entry):
    # The conversation's document fits both children's entries, and their scores (0.29, 0.28) are a tie.
    messages = run_after(None, FOLLOW_UP, slots={"doc_type": "foreign_passport"})
    assert [m["text"] for m in messages] == ["Можливо, ви питаєте про:"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:3] == [
        '/faq{"faq_id":"child_foreign_passport_who_applies"}',
        '/faq{"faq_id":"child_foreign_passport_collect"}',
        '/faq{"faq_id":"pay_privat24"}',
    ]
    # Apart by more than the tie, the first is guessed.
    apart = dict(FOLLOW_UP, wider=[*FOLLOW_UP["wider"][:4], {"id": "child_foreign_passport_collect", "score": 0.26}])
    assert run_after(None, apart, slots={"doc_type": "foreign_passport"})[1]["text"].startswith("Дитині до 14 років")


def out_of_scope(previous, faq, text="а без резерв+ оформлять?", slots=None, active_loop=None):
    latest = {"text": text, "intent": {"name": "out_of_scope", "confidence": 0.99}, "entities": [], "faq": faq}
    events = [{"event": "user", "text": previous["text"], "parse_data": previous}] if previous else []
    events.append({"event": "user", "text": text, "parse_data": latest})
    loop = {"name": active_loop} if active_loop else {}
    tracker = Tracker("u", {"language": "uk", **(slots or {})}, latest, events, False, None, loop, "action_listen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionOutOfScope().run(dispatcher, tracker, {})) == []
    return dispatcher.messages


def test_out_of_scope_is_refused_with_the_menu():
    messages = out_of_scope(None, FOLLOW_UP)
    assert [m["response"] for m in messages] == ["utter_out_of_scope", "utter_main_menu"]
    # Inside the consultation the form asks its question again instead of the menu (data/rules/consultation.yml).
    assert [m["response"] for m in out_of_scope(None, FOLLOW_UP, active_loop="consultation_form")] == [
        "utter_out_of_scope"
    ]


def test_out_of_scope_in_a_conversation_offers_the_entry_it_may_mean(collect_entry):
    messages = out_of_scope(CHILD_ANSWERED, FOLLOW_UP)
    assert messages[0]["response"] == "utter_out_of_scope"
    assert messages[1]["text"] == "Якщо ж ви питаєте про документи, можливо, вам потрібне це:"
    payloads = [b["payload"] for b in messages[1]["buttons"]]
    assert payloads == ['/faq{"faq_id":"child_foreign_passport_collect"}', "/help"]
    assert len(messages) == 2  # offered, not answered; no menu on top of the buttons


# --- a fee / term / place fragment about the answer just given (actions/faq.py asked_about_the_last_answer) ---

REGISTRATION_ENTRY = """
entries:
  - id: foreigner_registration_example
    documents: [temporary_residence_permit]
    topics: [foreigners, registration]
    questions:
      - "чи треба іноземцю реєструвати місце проживання?"
      - "нужно ли иностранцу регистрировать адрес"
      - "do i need register my adress after trp"
      - "реєстрація місця проживання для іноземця"
      - "регистрация иностранца по месту жительства"
    answer:
      uk: "Так: місце проживання реєструють протягом 30 днів у ЦНАП."
      en: "Yes: register your address within 30 days at an administrative services centre."
    source: {url: "https://example.gov.ua/registration", as_of: 2026-11-25}
    followups: [documents:temporary_residence_permit]
"""


@pytest.fixture
def registration_entry(fixture_kb):
    (fixture_kb / "faq" / "registration.yml").write_text(REGISTRATION_ENTRY, encoding="utf-8")


def answered(entry_id, text="питання"):
    return {
        "text": text,
        "intent": {"name": "faq", "confidence": 0.95},
        "entities": [],
        "faq": {"confident": True, "ranking": [{"id": entry_id, "score": 0.9}]},
    }


def topic_after(previous, text, intent, slots):
    from actions.facts import ActionAnswerTopic

    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = [
        {"event": "user", "text": previous["text"], "parse_data": previous},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    tracker = Tracker("u", {"language": "en", **slots}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerTopic().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_a_deadline_fragment_after_an_own_procedure_gets_that_answer_and_the_documents_term_as_a_button(
    registration_entry,
):
    messages, events = topic_after(
        answered("foreigner_registration_example"),
        "how many days i have",
        "ask_processing_time",
        {"doc_type": "temporary_residence_permit", "topic": "processing_time"},
    )
    assert len(messages) == 1
    assert messages[0]["text"].startswith("That is in the answer above:\n\nYes: register your")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_processing_time{"doc_type":"temporary_residence_permit"}'
    ]
    assert messages[0]["buttons"][0]["title"] == "⏱ Processing time: temporary residence permit"
    assert events == [SlotSet("urgency", None)]


def test_a_fragment_about_the_documents_term_still_gets_the_checklist(registration_entry):
    # Asking how long the permit is made, after the same answer: the checklist engine's term.
    messages, _ = topic_after(
        answered("foreigner_registration_example"),
        "how long do i wait?",
        "ask_processing_time",
        {"doc_type": "temporary_residence_permit", "topic": "processing_time"},
    )
    assert messages[0]["text"].startswith("Processing times — temporary residence permit")
    # After an entry about the document's own process (the lost ID card's steps) a fragment is the checklist's.
    messages, _ = topic_after(
        answered("lost_id_card_steps"), "how much?", "ask_fee", {"doc_type": "id_card", "topic": "fee"}
    )
    assert messages[0]["text"].startswith("Fees — ID card")


def test_a_place_fragment_after_an_entry_about_no_document_gets_that_answer():
    messages, _ = topic_after(
        answered("pay_privat24"), "where?", "ask_where_to_apply", {"doc_type": "id_card", "topic": "where_to_apply"}
    )
    assert messages[0]["text"].startswith("That is in the answer above:")
    assert "Yes, you can pay online" in messages[0]["text"]


def test_a_second_fragment_is_still_about_that_answer(registration_entry):
    from actions.facts import ActionAnswerTopic

    first = answered("foreigner_registration_example", "do i need register my adress after trp")
    where = {"text": "where i do it", "intent": {"name": "ask_where_to_apply", "confidence": 0.9}, "entities": []}
    latest = {"text": "how many days i have", "intent": {"name": "ask_processing_time", "confidence": 0.9}}
    latest["entities"] = []
    events = [{"event": "user", "text": p["text"], "parse_data": p} for p in (first, where, latest)]
    slots = {"language": "en", "doc_type": "temporary_residence_permit", "topic": "processing_time"}
    tracker = Tracker("u", slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerTopic().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"].startswith("That is in the answer above:")
    # A question that names a document in between ends the chain: the checklist answers.
    named = {**where, "text": "where do i make trp", "entities": [{"entity": "doc_type", "value": "x"}]}
    events = [{"event": "user", "text": p["text"], "parse_data": p} for p in (first, named, latest)]
    tracker = Tracker("u", slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerTopic().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"].startswith("Processing times — temporary residence permit")


# --- a term fragment after a list of entries on one procedure (actions/faq.py asked_about_the_last_list) ---


def topic_after_list(offered, text, intent, slots, header="Did you mean:", active_loop=None):
    """ActionAnswerTopic for `text` after a reply that offered `offered` as buttons under `header`."""
    from actions.facts import ActionAnswerTopic

    previous = {"text": "I got married, need new trp?", "intent": {"name": "faq", "confidence": 0.9}, "entities": []}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    buttons = [{"title": i, "payload": f'/faq{{"faq_id":"{i}"}}'} for i in offered] + [
        {"title": "x", "payload": "/help"}
    ]
    events = [
        {"event": "user", "text": previous["text"], "parse_data": previous},
        {"event": "bot", "text": header, "data": {"buttons": buttons}},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    loop = {"name": active_loop} if active_loop else {}
    tracker = Tracker("u", {"language": "en", **slots}, latest, events, False, None, loop, "action_listen")
    dispatcher = CollectingDispatcher()
    returned = asyncio.run(ActionAnswerTopic().run(dispatcher, tracker, {}))
    return dispatcher.messages, returned


TRP_TERM = {"doc_type": "temporary_residence_permit", "topic": "processing_time"}


def test_a_deadline_fragment_after_a_list_on_one_procedure_guesses_its_likeliest_entry(registration_entry):
    messages, events = topic_after_list(
        ["foreigner_registration_example"], "how long time i have", "ask_processing_time", TRP_TERM
    )
    assert messages[0]["text"].startswith("It looks like you are asking this:")
    assert "register your address within 30 days" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_processing_time{"doc_type":"temporary_residence_permit"}'
    ]
    assert len(messages) == 1  # no other entry was offered
    assert events == [SlotSet("urgency", None)]


def test_a_fragment_after_a_list_keeps_the_checklist_unless_a_term_on_one_procedure(registration_entry):
    # Entries on mixed topics say nothing sure.
    mixed = ["foreigner_registration_example", "photo_needed"]
    messages, _ = topic_after_list(mixed, "how long time i have", "ask_processing_time", TRP_TERM)
    assert messages[0]["text"].startswith("Processing times — temporary residence permit")
    # A fee is the document's own even after a list on one procedure.
    fee = {"doc_type": "temporary_residence_permit", "topic": "fee"}
    messages, _ = topic_after_list(["foreigner_registration_example"], "how much?", "ask_fee", fee)
    assert messages[0]["text"].startswith("Fees — temporary residence permit")
    # So is how long the permit is made, and a list under another header (the related-entry button).
    messages, _ = topic_after_list(
        ["foreigner_registration_example"], "how long do i wait?", "ask_processing_time", TRP_TERM
    )
    assert messages[0]["text"].startswith("Processing times — temporary residence permit")
    messages, _ = topic_after_list(
        ["foreigner_registration_example"],
        "how long time i have",
        "ask_processing_time",
        TRP_TERM,
        "This may help too:",
    )
    assert messages[0]["text"].startswith("Processing times — temporary residence permit")


def test_a_deadline_fragment_while_the_consultation_asks_the_document_guesses_from_the_entries_beside(
    registration_entry,
):
    messages, events = topic_after_list(
        ["foreigner_registration_example"],
        "how long time i have",
        "ask_processing_time",
        {"topic": "processing_time"},
        header="Or perhaps you are asking about:",
        active_loop="consultation_form",
    )
    assert messages[0]["text"].startswith("It looks like you are asking this:")
    assert events == [SlotSet("topic", None), SlotSet("urgency", None)]
    # Without such a list the checklist will say it.
    messages, _ = topic_after_list(
        ["photo_needed"],
        "how long time i have",
        "ask_processing_time",
        {"topic": "processing_time"},
        header="Or perhaps you are asking about:",
        active_loop="consultation_form",
    )
    assert [m.get("response") for m in messages] == ["utter_topic_comes_with_the_checklist"]


# --- «а що робити далі?» read as help right after an answer (actions/faq.py ActionHelp) ---


def help_after(previous, text):
    from actions.faq import ActionHelp

    latest = {"text": text, "intent": {"name": "help", "confidence": 0.95}, "entities": []}
    events = [{"event": "user", "text": p["text"], "parse_data": p} for p in ([previous] if previous else [])]
    events.append({"event": "user", "text": text, "parse_data": latest})
    tracker = Tracker("u", {"language": "uk"}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionHelp().run(dispatcher, tracker, {})) == []
    return dispatcher.messages


def test_what_next_read_as_help_after_an_answer_gets_its_next_steps():
    messages = help_after(CHILD_ANSWERED, "а що робити далі?")
    assert len(messages) == 1 and messages[0]["text"] == "Можливо, ви питаєте про:"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:2] == ['/ask_documents{"doc_type":"foreign_passport"}', '/faq{"faq_id":"photo_needed"}']
    assert payloads[-1] == "/help"


def test_help_without_an_answer_before_or_without_what_next_is_the_menu():
    for previous, text in ((None, "а що робити далі?"), (CHILD_ANSWERED, "допоможіть"), (CHILD_ANSWERED, "/help")):
        messages = help_after(previous, text)
        assert [m["response"] for m in messages] == ["utter_help", "utter_main_menu"], (previous, text)
