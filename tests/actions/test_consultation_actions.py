"""Actions return exactly these events (financial-demo style): the dialogue depends on them."""

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.consultation import (
    ActionChangeAnswer,
    ActionConsultationAnswer,
    ActionConsultationBack,
    ActionStartConsultation,
    ActionStartOver,
    AskAge,
    AskLocation,
    AskReason,
    ValidateConsultationForm,
)
from actions.facts import ActionAnswerTopic, ActionContacts, ValidateTopicForm
from tests.actions.conftest import make_tracker


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def texts(dispatcher):
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def run_form(dispatcher, domain, **kwargs):
    return await ValidateConsultationForm().run(dispatcher, make_tracker(**kwargs), domain)


async def test_free_text_answer_is_recognised_and_next_question_requested(dispatcher, domain):
    events = await run_form(
        dispatcher, domain, slots={"doc_type": "id_card", "requested_slot": "reason"}, text="вкрали"
    )
    assert events == [SlotSet("reason", "stolen"), SlotSet("requested_slot", "location")]
    assert dispatcher.messages == []


async def test_first_issue_asks_age_next(dispatcher, domain):
    events = await run_form(
        dispatcher,
        domain,
        slots={"doc_type": "id_card", "requested_slot": "reason"},
        extracted={"reason": "first_issue"},
        text="/inform",
        entities=[{"entity": "reason", "value": "first_issue"}],
    )
    assert events == [SlotSet("reason", "first_issue"), SlotSet("requested_slot", "age")]


@pytest.mark.parametrize("said", ["мені -3", "200", "мені 200 років"])
async def test_impossible_age_is_refused_politely_and_asked_again(dispatcher, domain, said):
    slots = {"doc_type": "id_card", "reason": "first_issue", "requested_slot": "age"}
    events = await run_form(dispatcher, domain, slots=slots, text=said)
    assert events == [SlotSet("age", None), SlotSet("requested_slot", "age")]
    assert responses(dispatcher) == ["utter_age_out_of_range"]


async def test_age_in_words(dispatcher, domain):
    slots = {"doc_type": "foreign_passport", "reason": "first_issue", "requested_slot": "age"}
    events = await run_form(dispatcher, domain, slots=slots, text="дитині п’ять років")
    assert events == [SlotSet("age", 5), SlotSet("requested_slot", "location")]


async def test_entity_age_string_becomes_number(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "first_issue", "requested_slot": "age"}
    events = await run_form(
        dispatcher,
        domain,
        slots=slots,
        text="мені 15",
        entities=[{"entity": "age", "value": "15"}],
        extracted={"age": "15"},
    )
    assert events == [SlotSet("age", 15), SlotSet("requested_slot", "idp")]


async def test_unknown_button_value_is_refused(dispatcher, domain):
    slots = {"doc_type": "foreign_passport", "requested_slot": "reason"}
    events = await run_form(
        dispatcher,
        domain,
        slots=slots,
        text='/inform{"reason":"booklet_exchange"}',
        entities=[{"entity": "reason", "value": "booklet_exchange"}],
        extracted={"reason": "booklet_exchange"},
    )
    # booklet exchange exists for the ID-card only
    assert events == [SlotSet("reason", None), SlotSet("requested_slot", "reason")]
    assert responses(dispatcher) == ["utter_answer_not_understood"]


@pytest.mark.parametrize("said", ["абракадабра", "", "ы" * 5000])
async def test_answer_that_fits_no_option(dispatcher, domain, said):
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    events = await run_form(dispatcher, domain, slots=slots, text=said, intent="nlu_fallback")
    assert events == [SlotSet("reason", None), SlotSet("requested_slot", "reason")]
    assert responses(dispatcher) == ["utter_answer_not_understood"]


async def test_an_answer_to_another_question_is_kept_and_the_question_asked_again(dispatcher, domain):
    # «мені 40» while the reason is asked: Rasa set the age from the entity; no «не зрозумів».
    slots = {"doc_type": "foreign_passport", "requested_slot": "reason"}
    age = [{"entity": "age", "value": "40", "start": 5, "end": 7}]
    events = await run_form(dispatcher, domain, slots=slots, text="мені 40", entities=age, extracted={"age": "40"})
    assert events == [SlotSet("age", 40), SlotSet("requested_slot", "reason")]
    assert dispatcher.messages[0]["response"] == "utter_answer_kept"
    assert dispatcher.messages[0]["answers"] == "вік 40"
    assert "utter_answer_not_understood" not in responses(dispatcher)


async def test_an_age_the_id_card_asks_only_later_is_still_said_back(dispatcher, domain):
    # «мені 14» at the ID card's reason question: the age is asked only after the reason, and «Записав: .» said nothing.
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    age = [{"entity": "age", "value": "14", "start": 5, "end": 7}]
    events = await run_form(dispatcher, domain, slots=slots, text="мені 14", entities=age, extracted={"age": "14"})
    assert events == [SlotSet("requested_slot", "reason")]  # Rasa keeps the age it extracted; validated when asked
    assert dispatcher.messages[0]["response"] == "utter_answer_kept"
    assert dispatcher.messages[0]["answers"] == "вік 14"


async def test_an_invalid_answer_to_another_question_is_not_said_to_be_kept(dispatcher, domain):
    slots = {"doc_type": "foreign_passport", "requested_slot": "reason"}
    age = [{"entity": "age", "value": "200", "start": 5, "end": 8}]
    await run_form(dispatcher, domain, slots=slots, text="мені 200", entities=age, extracted={"age": "200"})
    assert "utter_answer_kept" not in responses(dispatcher)
    assert "utter_age_out_of_range" in responses(dispatcher)


async def test_navigation_intent_is_left_to_the_rules(dispatcher, domain):
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    events = await run_form(dispatcher, domain, slots=slots, text="назад", intent="go_back")
    # only the requested slot: Rasa then rejects the form and the `back` rule runs
    assert events == [SlotSet("requested_slot", "reason")]
    assert dispatcher.messages == []


async def test_faq_question_in_the_form_is_left_to_the_faq_rule(dispatcher, domain):
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    said = "чи треба приносити фото на паспорт чи фотографують на місці"
    events = await run_form(dispatcher, domain, slots=slots, text=said, intent="faq")
    # nothing filled and no «не зрозумів»: Rasa rejects the form and the FAQ rule answers, then the form asks again
    assert events == [SlotSet("requested_slot", "reason")]
    assert dispatcher.messages == []


async def test_answer_routed_to_faq_is_still_an_answer(dispatcher, domain):
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    events = await run_form(dispatcher, domain, slots=slots, text="вкрали", intent="faq")
    assert events == [SlotSet("reason", "stolen"), SlotSet("requested_slot", "location")]


async def test_a_question_holding_an_answer_word_is_still_a_question(dispatcher, domain):
    # "wife" names the family ground, but the message asks: the FAQ answers it and the ground is asked again.
    slots = {"doc_type": "temporary_residence_permit", "requested_slot": "residence_ground", "language": "en"}
    said = "can my wife come with me on this permit?"
    events = await run_form(dispatcher, domain, slots=slots, text=said, intent="faq")
    assert events == [SlotSet("requested_slot", "residence_ground")]
    # A short answer phrased as a question stays an answer.
    dispatcher.messages.clear()
    events = await run_form(dispatcher, domain, slots=slots, text="on my wife?", intent="faq")
    assert events[0] == SlotSet("residence_ground", "family_reunification")


async def test_idp_yes_no(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "first_issue", "age": 14, "requested_slot": "idp"}
    events = await run_form(dispatcher, domain, slots=slots, text="так, я переселенець")
    assert events == [SlotSet("idp", True), SlotSet("requested_slot", "location")]


async def test_all_answered_ends_form(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "expired", "requested_slot": "location"}
    events = await run_form(dispatcher, domain, slots=slots, text="я в Україні")
    assert events == [SlotSet("location", "ukraine"), SlotSet("requested_slot", None)]


async def test_id_card_abroad_asks_age_then_sex_for_18_to_60(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "expired", "requested_slot": "location"}
    events = await run_form(dispatcher, domain, slots=slots, text="я за кордоном")
    assert events == [SlotSet("location", "abroad"), SlotSet("requested_slot", "age")]
    slots = {**slots, "location": "abroad", "requested_slot": "age"}
    events = await run_form(CollectingDispatcher(), domain, slots=slots, text="мені 40")
    assert events == [SlotSet("age", 40), SlotSet("requested_slot", "sex")]


async def test_id_under_14_ends_form_early(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "first_issue", "requested_slot": "age"}
    events = await run_form(dispatcher, domain, slots=slots, text="дитині 10 років")
    assert events == [SlotSet("age", 10), SlotSet("requested_slot", None)]


async def test_ask_reason_offers_only_this_documents_options(dispatcher, domain):
    events = await AskReason().run(dispatcher, make_tracker(slots={"doc_type": "foreign_passport"}), domain)
    assert events == []
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/inform{"reason":"stolen"}' in payloads
    assert not any("booklet_exchange" in p for p in payloads)
    assert "/go_back" in payloads and "/start_over" in payloads


async def test_ask_age_buttons_come_from_the_document(dispatcher, domain):
    await AskAge().run(dispatcher, make_tracker(slots={"doc_type": "foreign_passport"}), domain)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles[:2] == ["До 12 років", "12–13 років"]


async def test_start_keeps_only_what_this_message_said_and_shows_certain_items(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "id_card", "reason": "first_issue", "age": "14", "location": "abroad", "idp": True},
        text="Які документи потрібні для ID-картки вперше, мені 14",
        intent="ask_documents",
        entities=[
            {"entity": "doc_type", "value": "id_card"},
            {"entity": "reason", "value": "first_issue"},
            {"entity": "age", "value": "14"},
        ],
        active_loop=None,
    )
    events = await ActionStartConsultation().run(dispatcher, tracker, domain)
    assert events == [SlotSet("idp", None), SlotSet("location", None)]
    assert "свідоцтво про народження" in texts(dispatcher)


async def test_answer_composes_checklist_with_fee_and_sources(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "stolen", "location": "ukraine", "passport_issued_in": "ukraine"}
    events = await ActionConsultationAnswer().run(dispatcher, make_tracker(slots=slots, active_loop=None), domain)
    assert events == []
    text = texts(dispatcher)
    assert "витяг з Єдиного реєстру досудових розслідувань" in text
    assert "618 грн" in text and "988 грн" in text
    assert "Джерела" in text and "станом на" in text


async def test_back_clears_the_latest_answer(dispatcher, domain):
    events_so_far = [
        {"event": "slot", "name": "doc_type", "value": "id_card"},
        {"event": "slot", "name": "reason", "value": "first_issue"},
        {"event": "slot", "name": "age", "value": 15},
    ]
    tracker = make_tracker(
        slots={"doc_type": "id_card", "reason": "first_issue", "age": 15, "requested_slot": "idp"},
        text="назад",
        intent="go_back",
        events=events_so_far,
    )
    events = await ActionConsultationBack().run(dispatcher, tracker, domain)
    assert events == [SlotSet("age", None), SlotSet("requested_slot", None)]
    assert responses(dispatcher) == ["utter_back"]


async def test_back_at_the_start(dispatcher, domain):
    events = await ActionConsultationBack().run(dispatcher, make_tracker(text="назад", intent="go_back"), domain)
    assert events == []
    assert responses(dispatcher) == ["utter_back_at_start"]


async def test_start_over_clears_everything(dispatcher, domain):
    tracker = make_tracker(slots={"doc_type": "id_card", "reason": "lost"}, intent="start_over")
    events = await ActionStartOver().run(dispatcher, tracker, domain)
    assert SlotSet("doc_type", None) in events and SlotSet("reason", None) in events
    assert all(e["value"] is None for e in events)


async def test_change_answer_with_a_chosen_question(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "id_card", "reason": "first_issue", "age": 15, "change_slot": "age"},
        intent="change_answer",
        active_loop=None,
    )
    events = await ActionChangeAnswer().run(dispatcher, tracker, domain)
    assert events == [SlotSet("age", None), SlotSet("change_slot", None), SlotSet("requested_slot", None)]


async def test_change_answer_offers_the_answered_questions(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "id_card", "reason": "first_issue", "age": 15}, intent="change_answer", active_loop=None
    )
    events = await ActionChangeAnswer().run(dispatcher, tracker, domain)
    # The form is active again while the buttons wait: a value typed instead of a press («мені 15») is its answer
    # (after a finished checklist no rule took a bare form answer: the fallback, and the user was stuck).
    assert events == [SlotSet("change_slot", None), ActiveLoop("consultation_form"), FollowupAction("action_listen")]
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/change_answer{"change_slot":"age"}' in payloads
    assert '/change_answer{"change_slot":"reason"}' in payloads


async def test_fee_question_urgent(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "id_card", "topic": "fee", "urgency": "urgent"},
        text="скільки коштує ID-картка терміново",
        intent="ask_fee",
        active_loop=None,
    )
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert events == [SlotSet("urgency", None)]  # the topic stays for «а закордонний?»
    text = texts(dispatcher)
    assert "988 грн" in text and "618 грн" not in text


async def answer_topic(dispatcher, domain, **kwargs):
    """ActionAnswerTopic on a tracker outside any form (unless `active_loop` says otherwise)."""
    return await ActionAnswerTopic().run(dispatcher, make_tracker(**{"active_loop": None, **kwargs}), domain)


async def test_urgency_after_a_term_answer_gets_the_urgent_fee_and_term(dispatcher, domain):
    # «скільки чекати айдішку?» … «а терміново?»: the fee lines carry the term, only the urgent one is wanted.
    events = await answer_topic(
        dispatcher,
        domain,
        slots={"doc_type": "id_card", "topic": "processing_time", "urgency": "urgent"},
        text="а терміново?",
        entities=[{"entity": "urgency", "value": "urgent", "start": 2, "end": 11}],
    )
    assert events == [SlotSet("urgency", None)]
    text = texts(dispatcher)
    assert "988 грн" in text and "до 7 робочих днів" in text and "618 грн" not in text, text


async def test_a_fee_question_while_the_consultation_asks_the_document(dispatcher, domain):
    # «а скільки це коштує?» at «Який документ вам потрібен?»: no «не зрозумів»; the checklist will have the fee.
    slots = {"requested_slot": "doc_type", "topic": "fee"}
    events = await answer_topic(
        dispatcher, domain, slots=slots, text="а скільки це коштує?", intent="ask_fee", active_loop="consultation_form"
    )
    assert events == [SlotSet("topic", None), SlotSet("urgency", None)]
    assert responses(dispatcher) == ["utter_topic_comes_with_the_checklist"]


async def test_an_urgency_with_no_fee_of_its_own_says_so_and_gives_the_fees(dispatcher, domain):
    slots = {"doc_type": "temporary_residence_permit", "topic": "fee", "urgency": "urgent"}
    events = await answer_topic(dispatcher, domain, slots=slots, text="а терміново?")
    assert events == [SlotSet("urgency", None)]
    text = texts(dispatcher)
    assert text.startswith("Окремої вартості термінового оформлення для документа «посвідка на тимчасове"), text
    assert "1 258 грн" in text and "немає чинної вартості" not in text, text


async def test_where_to_apply_abroad(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "id_card", "topic": "where_to_apply", "location": "abroad"},
        intent="ask_where_to_apply",
        active_loop=None,
    )
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    text = texts(dispatcher)
    assert "ДП «Документ»" in text and "електронну чергу" not in text


async def test_contacts_come_from_the_knowledge_base(dispatcher, domain):
    events = await ActionContacts().run(dispatcher, make_tracker(intent="contact_human", active_loop=None), domain)
    assert events == []
    assert "https://dmsu.gov.ua" in texts(dispatcher)
    assert "1545" in texts(dispatcher)


async def test_negative_age_is_refused(dispatcher, domain):
    # The NLU's entity normaliser keeps the minus of «мені -3» (tests/nlu/test_entity_normalizer.py).
    slots = {"doc_type": "id_card", "reason": "first_issue", "requested_slot": "age"}
    events = await run_form(
        dispatcher,
        domain,
        slots=slots,
        text="мені -3",
        entities=[{"entity": "age", "value": "-3"}],
        extracted={"age": "-3"},
    )
    assert events == [SlotSet("age", None), SlotSet("requested_slot", "age")]
    assert responses(dispatcher) == ["utter_age_out_of_range"]


async def test_low_confidence_gets_buttons_for_the_likeliest_topics(dispatcher, domain):
    from actions.fallback import ActionClarify

    tracker = make_tracker(
        text="шо там по загранці",
        intent="nlu_fallback",
        active_loop=None,
        entities=[{"entity": "doc_type", "value": "foreign_passport"}],
    )
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_fee", "confidence": 0.41},
        {"name": "ask_documents", "confidence": 0.38},
        {"name": "greet", "confidence": 0.1},
    ]
    events = await ActionClarify().run(dispatcher, tracker, domain)
    assert events == []
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[:2] == ['/ask_fee{"doc_type":"foreign_passport"}', '/ask_documents{"doc_type":"foreign_passport"}']
    assert payloads[-1] == "/help"  # «Інше питання»: the menu, not the out-of-scope refusal


async def test_english_conversation_gets_the_checklist_in_english(dispatcher, domain):
    slots = {"doc_type": "id_card", "reason": "expired", "location": "ukraine", "language": "en"}
    events = await ActionConsultationAnswer().run(dispatcher, make_tracker(slots=slots, active_loop=None), domain)
    assert events == []
    message = dispatcher.messages[0]
    assert message["text"].startswith("What to bring for:")
    assert "UAH 618" in message["text"] and "Sources (as of the date shown):" in message["text"]
    assert [b["title"] for b in message["buttons"]][0] == "✏️ Change an answer"


async def test_direct_question_of_a_man_abroad_gets_the_military_registration_facts(dispatcher, domain):
    text = "я чоловік, 40 років, у Чехії — що треба для закордонного?"
    tracker = make_tracker(
        slots={"doc_type": "foreign_passport", "age": "40", "location": "abroad", "reason": "lost"},
        text=text,
        intent="ask_documents",
        active_loop=None,
        entities=[
            {"entity": "doc_type", "value": "foreign_passport"},
            {"entity": "age", "value": "40"},
            {"entity": "location", "value": "abroad"},
        ],
    )
    events = await ActionStartConsultation().run(dispatcher, tracker, domain)
    # the sex is read from the words; an old answer not said now is cleared
    assert events == [SlotSet("reason", None), SlotSet("sex", "male")]
    said = texts(dispatcher)
    assert "консульства з 18.05.2024" in said and "не пересилають" in said


async def test_direct_question_of_a_woman_abroad_gets_no_military_facts(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "foreign_passport", "age": "40", "location": "abroad"},
        text="я жінка, 40 років, у Польщі, що треба для закордонного",
        intent="ask_documents",
        active_loop=None,
        entities=[
            {"entity": "doc_type", "value": "foreign_passport"},
            {"entity": "age", "value": "40"},
            {"entity": "location", "value": "abroad"},
        ],
    )
    events = await ActionStartConsultation().run(dispatcher, tracker, domain)
    assert events == [SlotSet("sex", "female")]
    assert "військов" not in texts(dispatcher)


async def test_sex_question_has_buttons_and_english(dispatcher, domain):
    from actions.consultation import AskSex

    tracker = make_tracker(slots={"doc_type": "foreign_passport", "language": "en"})
    assert await AskSex().run(dispatcher, tracker, domain) == []
    message = dispatcher.messages[0]
    assert message["text"].startswith("Is the document for a man or a woman?")
    assert [b["title"] for b in message["buttons"]][:2] == ["Man", "Woman"]
    assert message["buttons"][0]["payload"] == '/inform{"sex":"male"}'


async def test_sex_answer_in_words_completes_the_form(dispatcher, domain):
    slots = {
        "doc_type": "foreign_passport",
        "reason": "expired",
        "age": 40,
        "location": "abroad",
        "requested_slot": "sex",
    }
    events = await run_form(dispatcher, domain, slots=slots, text="чоловік")
    assert events == [SlotSet("sex", "male"), SlotSet("requested_slot", None)]


async def test_fee_question_in_english(dispatcher, domain):
    tracker = make_tracker(
        slots={"doc_type": "foreign_passport", "topic": "fee", "location": "ukraine", "language": "en"},
        text="how much is a passport",
        intent="ask_fee",
        active_loop=None,
    )
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert events == [SlotSet("urgency", None)]  # the topic stays for «а закордонний?»
    text = texts(dispatcher)
    assert text.startswith("Fees — passport for travel abroad (on 25 November 2026):")
    assert "UAH 1,147 (administrative service UAH 352, blank UAH 795; in force since 1 January 2026)" in text


async def test_contacts_in_english(dispatcher, domain):
    tracker = make_tracker(slots={"language": "en"}, intent="contact_human", active_loop=None)
    await ActionContacts().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"].startswith("State Migration Service contacts:")


async def test_a_documents_fragment_keeps_the_document_of_the_conversation(dispatcher, domain):
    # «а які документи?» after the fee of the закордонний: its list, saying for which document; old answers go.
    slots = {"doc_type": "foreign_passport", "reason": "lost", "language": "uk"}
    tracker = make_tracker(slots=slots, text="а які документи треба?", intent="ask_documents", active_loop=None)
    events = await ActionStartConsultation().run(dispatcher, tracker, domain)
    assert events == [SlotSet("reason", None)]
    assert texts(dispatcher) == "Складаю перелік документів — закордонний паспорт."


async def test_a_full_documents_question_without_a_document_starts_afresh(dispatcher, domain):
    slots = {"doc_type": "foreign_passport", "reason": "lost"}
    tracker = make_tracker(slots=slots, text="/start_consultation", intent="start_consultation", active_loop=None)
    events = await ActionStartConsultation().run(dispatcher, tracker, domain)
    assert events == [SlotSet("doc_type", None), SlotSet("reason", None)]
    assert dispatcher.messages == []


async def test_another_topic_question_while_the_fee_question_waits_for_its_document(dispatcher, domain):
    # «а скільки коштує?» → «Який документ?» → «а де його робити?»: the topic changes, the document is asked again
    # (no slot set would make Rasa reject the form and fall back to «не зрозумів»).
    slots = {"requested_slot": "doc_type", "topic": "where_to_apply"}
    tracker = make_tracker(slots=slots, text="а де його робити?", intent="ask_where_to_apply", active_loop="topic_form")
    events = await ValidateTopicForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("topic", "where_to_apply")]
    assert dispatcher.messages == []
    # Naming the document answers the question instead.
    named = make_tracker(
        slots=slots,
        text="а де робити закордонний?",
        intent="ask_where_to_apply",
        active_loop="topic_form",
        entities=[{"entity": "doc_type", "value": "foreign_passport"}],
        extracted={"doc_type": "foreign_passport"},
    )
    events = await ValidateTopicForm().run(CollectingDispatcher(), named, domain)
    assert SlotSet("doc_type", "foreign_passport") in events and SlotSet("topic", "where_to_apply") not in events


async def test_a_loss_typed_gets_the_first_steps_beside_the_next_question(dispatcher, domain):
    # «я загубив айді картку»: the consultation asks where the user is, and the steps entry is a button before it.
    lost = [{"entity": "doc_type", "value": "id_card"}, {"entity": "reason", "value": "lost"}]
    tracker = make_tracker(slots={"doc_type": "id_card", "reason": "lost"}, text="я загубив айді картку", entities=lost)
    tracker.latest_message["faq"] = {"suggest": True, "ranking": [{"id": "lost_id_card_first_steps", "score": 0.72}]}
    await AskLocation().run(dispatcher, tracker, domain)
    assert [m["text"] for m in dispatcher.messages] == [
        "Що зробити насамперед:",
        "Де ви зараз — в Україні чи за кордоном?",
    ]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ['/faq{"faq_id":"lost_id_card_first_steps"}']
    # A first issue has no steps to take first; nor has a button press.
    for reason, text in (("first_issue", "вперше"), ("lost", '/inform{"reason":"lost"}')):
        quiet = CollectingDispatcher()
        said = [{"entity": "reason", "value": reason}]
        other = make_tracker(slots={"doc_type": "id_card", "reason": reason}, text=text, entities=said)
        other.latest_message["faq"] = tracker.latest_message["faq"]
        await AskLocation().run(quiet, other, domain)
        assert len(quiet.messages) == 1


@pytest.mark.parametrize("said", ["за кордон", "для поїздки за границу"])
async def test_a_trip_abroad_at_the_document_question_is_the_passport_for_travel(dispatcher, domain, said):
    events = await run_form(dispatcher, domain, slots={"requested_slot": "doc_type"}, text=said)
    assert SlotSet("doc_type", "foreign_passport") in events
    assert dispatcher.messages == []


async def test_a_child_named_without_an_age_after_a_fee_answer_asks_the_age(dispatcher, domain):
    # «скільки коштує закордонний?» … «а для дитини?»: the age decides, so it is asked; «10» next answers again.
    slots = {"doc_type": "id_card", "topic": "fee"}
    events = await answer_topic(dispatcher, domain, slots=slots, text="а для дитини?", intent="inform")
    assert events == [SlotSet("urgency", None)]
    assert responses(dispatcher) == ["utter_ask_child_age_for_topic"]
    dispatcher.messages.clear()
    age = [{"entity": "age", "value": "14", "start": 0, "end": 2}]
    events = await answer_topic(
        dispatcher,
        domain,
        slots={**slots, "age": 14, "reason": "first_issue"},
        text="14",
        intent="inform",
        entities=age,
    )
    assert events == [SlotSet("urgency", None)]
    assert "безкоштовно" in texts(dispatcher).lower(), texts(dispatcher)


async def test_a_child_named_after_the_foreign_passports_fees_gets_the_same_fees_at_once(dispatcher, domain):
    # No fee of the passport for travel abroad depends on age: asking it was a needless question.
    slots = {"doc_type": "foreign_passport", "topic": "fee"}
    await answer_topic(dispatcher, domain, slots=slots, text="а для дитини?", intent="inform")
    assert "utter_ask_child_age_for_topic" not in responses(dispatcher)
    assert "Окремої «дитячої» ціни" in texts(dispatcher) and "грн" in texts(dispatcher), texts(dispatcher)


def _turn(text, **slots):
    return [{"event": "user", "text": text}, *({"event": "slot", "name": k, "value": v} for k, v in slots.items())]


async def test_a_documents_fragment_keeps_the_answers_said_about_that_document(dispatcher, domain):
    # "I need a temporary residence permit, I'm a student" → "what documents?": the ground is not asked again.
    events = _turn("I need a TRP, I'm a student", residence_ground="study", doc_type="temporary_residence_permit")
    slots = {"doc_type": "temporary_residence_permit", "residence_ground": "study", "language": "en"}
    tracker = make_tracker(slots=slots, text="what documents?", intent="ask_documents", events=events, active_loop=None)
    assert await ActionStartConsultation().run(dispatcher, tracker, domain) == []
    text = texts(dispatcher)
    assert text.startswith("Making the list of documents — temporary residence permit. Using your earlier answers:")
    assert "study" in text.lower(), text


async def test_a_documents_fragment_drops_answers_said_about_another_document(dispatcher, domain):
    # «закордонний дитині 5 років» → «а айді?» → «а які документи?»: the age was said about the закордонний.
    events = _turn("закордонний дитині 5 років", doc_type="foreign_passport", age=5) + _turn(
        "а айді?", doc_type="id_card"
    )
    slots = {"doc_type": "id_card", "age": 5, "language": "uk"}
    tracker = make_tracker(
        slots=slots, text="а які документи?", intent="ask_documents", events=events, active_loop=None
    )
    assert await ActionStartConsultation().run(dispatcher, tracker, domain) == [SlotSet("age", None)]
    assert texts(dispatcher) == "Складаю перелік документів — ID-картка."


async def test_a_fee_answer_uses_only_the_answers_said_about_its_document(dispatcher, domain):
    # «закордонний за кордоном» → «а айді?» → «а скільки коштує айді?»: «за кордоном» was said about the закордонний.
    events = _turn("закордонний за кордоном", doc_type="foreign_passport", location="abroad") + _turn(
        "а айді?", doc_type="id_card"
    )
    slots = {"doc_type": "id_card", "location": "abroad", "topic": "fee", "language": "uk"}
    tracker = make_tracker(
        slots=slots, text="а скільки коштує айді?", intent="ask_fee", events=events, active_loop=None
    )
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert "Враховую" not in texts(dispatcher)
    # Said about the ID card itself, it is used, and the reply says so.
    same = _turn("айді за кордоном", doc_type="id_card", location="abroad")
    dispatcher.messages.clear()
    tracker = make_tracker(slots=slots, text="а скільки коштує?", intent="ask_fee", events=same, active_loop=None)
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert "Враховую ваші попередні відповіді: за кордоном." in texts(dispatcher)


def test_labels_name_only_answers_the_document_asks():
    from actions.consultation import answer_labels

    # "my husband is Ukrainian": a sex no residence permit asks is not echoed as «Using your earlier answers: Man».
    assert answer_labels("permanent_residence_permit", {"sex": "male"}, "en") == []
    assert answer_labels("foreign_passport", {"location": "abroad", "age": 35, "sex": "male"}, "uk")[-1] == "чоловік"


# The turn that showed «Яку відповідь змінити?» with its «Змінити: …» buttons.
CHANGE_ASKED = [
    {"event": "user", "text": "/change_answer", "parse_data": {"intent": {"name": "change_answer"}, "entities": []}},
    {"event": "action", "name": "action_change_answer"},
    {"event": "bot", "text": "Яку відповідь змінити?"},
    {"event": "slot", "name": "change_slot", "value": None},
    {"event": "followup", "name": "action_listen"},
    {"event": "action", "name": "action_listen"},
]
# After the checklist: every question of a passport applied for in Ukraine at 30 is answered.
ANSWERED = {"doc_type": "foreign_passport", "reason": "first_issue", "age": 30, "location": "ukraine"}


@pytest.mark.parametrize(
    "said,entities,changed,shown",
    [
        ("мені 15", [], {"age": 15}, "вік 15"),  # the NLU tagged nothing: read as typed
        ("мені 15", [{"entity": "age", "value": "15"}], {"age": 15}, "вік 15"),  # Rasa set it from the entity
        ("вкрали", [], {"reason": "stolen"}, "викрали"),
    ],
)
async def test_a_value_typed_after_change_answer_is_the_new_answer(dispatcher, domain, said, entities, changed, shown):
    extracted = {e["entity"]: e["value"] for e in entities}
    events = await run_form(
        dispatcher,
        domain,
        slots=dict(ANSWERED),
        text=said,
        entities=entities,
        extracted=extracted,
        events=CHANGE_ASKED,
        active_loop=None,
    )
    # Every question is answered again: the form ends and the rule shows the new checklist.
    assert events == [SlotSet(*next(iter(changed.items()))), SlotSet("requested_slot", None)]
    assert [(m["response"], m["answers"]) for m in dispatcher.messages] == [("utter_answer_kept", shown)]


async def test_a_typed_change_that_makes_a_new_question_relevant_asks_it(dispatcher, domain):
    # "abroad": applying abroad at 30 asks the applicant's sex (military registration), so the form asks it.
    events = await run_form(
        dispatcher, domain, slots=dict(ANSWERED), text="abroad", events=CHANGE_ASKED, active_loop=None
    )
    assert events == [SlotSet("location", "abroad"), SlotSet("requested_slot", "sex")]
    assert [(m["response"], m["answers"]) for m in dispatcher.messages] == [("utter_answer_kept", "за кордоном")]


async def test_an_unreadable_value_after_change_answer_asks_again_with_the_buttons(dispatcher, domain):
    events = await run_form(
        dispatcher, domain, slots=dict(ANSWERED), text="абракадабра", events=CHANGE_ASKED, active_loop=None
    )
    assert not any(e["name"] in ANSWERED for e in events)  # no answer changed
    [message] = dispatcher.messages
    assert message["response"] == "utter_change_not_understood"
    payloads = [b["payload"] for b in message["buttons"]]
    assert '/change_answer{"change_slot":"age"}' in payloads and '/change_answer{"change_slot":"location"}' in payloads


async def test_the_open_question_still_takes_its_own_answer_after_change_answer(dispatcher, domain):
    # Inside the form (the location is asked), «змінити відповідь», then «за кордоном»: the location, said once.
    slots = {"doc_type": "foreign_passport", "reason": "first_issue", "age": 30, "requested_slot": "location"}
    events = await run_form(dispatcher, domain, slots=slots, text="за кордоном", events=CHANGE_ASKED)
    assert events[0] == SlotSet("location", "abroad")
    assert dispatcher.messages == []


async def test_without_change_answer_a_typed_value_is_read_as_before(dispatcher, domain):
    slots = {"doc_type": "id_card", "requested_slot": "reason"}
    events = await run_form(dispatcher, domain, slots=slots, text="вкрали", events=CHANGE_ASKED[:1])
    assert events == [SlotSet("reason", "stolen"), SlotSet("requested_slot", "location")]
    assert dispatcher.messages == []


async def test_a_term_question_at_the_tracking_document_question_is_answered_then_tracking_goes_on(dispatcher, domain):
    # «перевірити статус КВ123456» → «а скільки чекати айді?»: the rule leaves the tracking form for the answer; the
    # number stays, and the document buttons after the answer run the lookup with it.
    before = [
        {"event": "active_loop", "name": "tracking_form"},
        {"event": "slot", "name": "document_number", "value": "КВ123456"},
        {"event": "slot", "name": "requested_slot", "value": "tracking_doc_type"},
    ]
    slots = {"doc_type": "id_card", "topic": "processing_time", "document_number": "КВ123456"}
    await answer_topic(
        dispatcher, domain, slots=slots, text="а скільки чекати айді?", intent="ask_processing_time", events=before
    )
    last = dispatcher.messages[-1]
    assert "КВ****56" in last["text"]
    assert '/track_document{"doc_type":"id_card","document_number":"resume"}' in [b["payload"] for b in last["buttons"]]
    # Outside a tracking, nothing is added.
    dispatcher.messages.clear()
    await answer_topic(dispatcher, domain, slots=slots, text="а скільки чекати айді?", intent="ask_processing_time")
    assert not any("КВ****56" in (m.get("text") or "") for m in dispatcher.messages)


def _stop_sent(text):
    """Events of a consultation whose checklist was the stop notice `text` («Інші підстави»)."""
    return [
        {"event": "action", "name": "consultation_form"},
        {"event": "action", "name": "action_consultation_answer"},
        {"event": "bot", "text": text},
        {"event": "action", "name": "action_listen"},
    ]


@pytest.mark.parametrize(
    "doc_type,notice",
    [
        ("temporary_residence_permit", "Перелік документів залежить від підстави"),
        ("permanent_residence_permit", "Посвідку на постійне проживання видають"),
    ],
)
async def test_other_grounds_notice_is_said_once_with_a_next_step(domain, doc_type, notice):
    # Testers: «Інші підстави» → «Вперше» got the same notice twice and no hint what to do next.
    slots = {"doc_type": doc_type, "residence_ground": "other"}
    first = CollectingDispatcher()
    assert await ActionConsultationAnswer().run(first, make_tracker(slots=slots, active_loop=None), domain) == []
    sent, step = first.messages
    assert notice in sent["text"] and not sent.get("buttons")
    assert step["text"].startswith("Що далі: перелік документів для вашої підстави уточніть у підрозділі ДМС")
    assert [b["payload"] for b in step["buttons"]] == [
        f'/ask_where_to_apply{{"doc_type":"{doc_type}"}}',
        "/contact_human",
        "/change_answer",
        "/start_over",
        "/help",
    ]
    # «вперше» next: the form has nothing to ask, and the notice is not sent again.
    again = CollectingDispatcher()
    tracker = make_tracker(
        slots={**slots, "reason": "first_issue"},
        text="вперше",
        entities=[{"entity": "reason", "value": "first_issue"}],
        events=_stop_sent(sent["text"]),
        active_loop=None,
    )
    assert await ActionConsultationAnswer().run(again, tracker, domain) == []
    [reply] = again.messages
    assert notice not in reply["text"]
    assert reply["text"].startswith("Врахував: вперше, але відповідь вище від цього не змінюється. Що далі:")
    assert reply["buttons"] == step["buttons"]


async def test_other_grounds_notice_comes_again_after_start_over(dispatcher, domain):
    slots = {"doc_type": "temporary_residence_permit", "residence_ground": "other"}
    first = CollectingDispatcher()
    await ActionConsultationAnswer().run(first, make_tracker(slots=slots, active_loop=None), domain)
    events = _stop_sent(first.messages[0]["text"]) + [{"event": "action", "name": "action_start_over"}]
    tracker = make_tracker(slots=slots, events=events, text="/inform", active_loop=None)
    await ActionConsultationAnswer().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"] == first.messages[0]["text"]


async def test_other_grounds_next_step_in_english(dispatcher, domain):
    slots = {"doc_type": "temporary_residence_permit", "residence_ground": "other", "language": "en"}
    await ActionConsultationAnswer().run(dispatcher, make_tracker(slots=slots, active_loop=None), domain)
    step = dispatcher.messages[1]
    assert step["text"].startswith("What next: ask a DMS unit")
    assert [b["title"] for b in step["buttons"]][:2] == ["📍 Where to apply", "☎️ DMS contacts"]
