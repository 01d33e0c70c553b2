"""«Which document?» with «did you mean» beside it: a typed checklist question that names no document («my passport
was stolen, what do I do») gets the likeliest FAQ entries as buttons as well as the checklist's first question.
Runs on the fixture FAQ (tests/faq/fixture)."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.consultation import AskDocType
from nlu.faq_decision import outcome, suggested_beside_question
from tests.script_modules import load_script

RANKING = [
    {"id": "lost_id_card_steps", "score": 0.6},
    {"id": "photo_needed", "score": 0.35},
    {"id": "pay_privat24", "score": 0.1},
]


@pytest.fixture(autouse=True)
def fixture_kb_env(fixture_kb, monkeypatch):
    monkeypatch.setenv("DMSBOT_KB_DIR", str(fixture_kb))


def message(text="в мене вкрали паспорт, що робити?", intent="ask_documents", suggest=True, ranking=RANKING):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [],
        "faq": {"confidence": 0.23, "confident": False, "suggest": suggest, "ranking": ranking},
    }


def ask(latest, language="uk"):
    tracker = Tracker("u", {"language": language}, latest, [], False, None, {"name": "topic_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(AskDocType().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_typed_question_without_a_document_gets_the_question_and_the_likely_entries():
    events, messages = ask(message())
    assert events == []
    assert len(messages) == 2
    assert messages[0]["text"] == "Який документ вам потрібен?"
    assert messages[0]["buttons"][0]["payload"] == '/inform{"doc_type":"id_card"}'
    assert messages[1]["text"] == "Або, можливо, ви питаєте про:"
    # The third entry scores under half of the best: not offered.
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        '/faq{"faq_id":"lost_id_card_steps"}',
        '/faq{"faq_id":"photo_needed"}',
    ]


def test_in_english_the_offer_is_in_english():
    _, messages = ask(message(text="my passport was stolen, what do I do"), language="en")
    assert messages[1]["text"] == "Or perhaps you are asking about:"
    assert all(b["title"].isascii() for b in messages[1]["buttons"])


@pytest.mark.parametrize(
    "latest",
    [
        message(suggest=False),  # nothing close enough
        message(text='/ask_documents{"doc_type":"id_card"}'),  # a button
        message(intent="start_consultation"),  # «хочу паспорт»: the checklist itself is wanted
        message(intent="inform"),  # an answer inside the form
        message(ranking=[{"id": "no_such_entry", "score": 0.9}]),  # an entry the knowledge base no longer has
    ],
)
def test_no_offer(latest):
    _, messages = ask(latest)
    assert len(messages) == 1
    assert "Або, можливо" not in (messages[0].get("text") or "")


def test_evaluation_counts_the_offer_as_the_bot_shows_it():
    parse = {**message(), "doc_type_ambiguous": True}
    assert outcome(parse) == {
        "kind": "ambiguous",
        "value": None,
        "suggested": ["lost_id_card_steps", "photo_needed"],
        "intent": "ask_documents",
    }
    assert suggested_beside_question(message(suggest=False)) == []


def test_evaluation_verdict_scores_the_offered_entries():
    evaluate = load_script("evaluate")
    parse = {**message(), "doc_type_ambiguous": True}
    first = evaluate.faq_verdict({"expect": "faq:lost_id_card_steps"}, parse)
    second = evaluate.faq_verdict({"expect": "faq:photo_needed"}, parse)
    not_offered = evaluate.faq_verdict({"expect": "faq:pay_privat24"}, parse)
    assert (first["top1"], first["top3"], first["confident_wrong"]) == (True, True, False)
    assert (second["top1"], second["top3"]) == (False, True)
    assert (not_offered["top1"], not_offered["top3"], not_offered["confident_wrong"]) == (False, False, False)
    assert evaluate.faq_verdict({"expect": "ambiguous"}, parse)["top1"]


def test_evaluation_verdict_accepts_the_listed_checklist_answer_and_reports_strict():
    """`also`: the checklist's place answer counts for the place question it was listed for, not another one."""
    evaluate = load_script("evaluate")
    parse = {
        "text": "де за кордоном зробити айді картку",
        "intent": {"name": "ask_where_to_apply", "confidence": 1.0},
        "entities": [{"entity": "doc_type", "value": "id_card"}, {"entity": "location", "value": "abroad"}],
        "faq": {
            "confidence": 0.28,
            "confident": False,
            "suggest": True,
            "ranking": [{"id": "abroad_id", "score": 0.5}],
        },
    }
    item = {"expect": "faq:abroad_id", "also": ["ask_where_to_apply:id_card"]}
    accepted = evaluate.faq_verdict(item, parse)
    assert (accepted["top1"], accepted["confident_wrong"]) == (True, False)
    assert (accepted["strict_top1"], accepted["strict_confident_wrong"]) == (False, True)
    other_question = evaluate.faq_verdict({**item, "also": ["ask_fee:id_card"]}, parse)
    other_document = evaluate.faq_verdict({**item, "also": ["ask_where_to_apply:foreign_passport"]}, parse)
    assert other_question["confident_wrong"] and other_document["confident_wrong"]


@pytest.mark.parametrize("text", ["що брати з собою?", "які документи потрібні?", "what should I bring?"])
def test_a_bare_question_gets_no_entries_beside_it(text):
    # Nothing but the question: entries found for «брати» or "documents" would be noise beside «which document?».
    assert suggested_beside_question(message(text=text)) == []
    _, messages = ask(message(text=text))
    assert [m["text"] for m in messages] == ["Який документ вам потрібен?"]


def test_a_hedged_answer_is_scored_apart_from_confident_ones():
    evaluate = load_script("evaluate")
    faq = {
        "confident": False,
        "likely": True,
        "suggest": True,
        "ranking": [{"id": "photo_needed", "score": 0.6}, {"id": "pay_privat24", "score": 0.4}],
    }
    parse = {"text": "фото треба?", "intent": {"name": "faq", "confidence": 0.9}, "entities": [], "faq": faq}
    right = evaluate.faq_verdict({"expect": "faq:photo_needed"}, parse)
    wrong = evaluate.faq_verdict({"expect": "faq:pay_privat24"}, parse)
    assert (right["top1"], right["likely"], right["likely_wrong"], right["confident_wrong"]) == (
        True,
        True,
        False,
        False,
    )
    assert (wrong["top1"], wrong["top3"], wrong["likely_wrong"], wrong["confident_wrong"]) == (False, True, True, False)
    assert right["got"] == "likely:photo_needed"
