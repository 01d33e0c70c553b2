"""EntityNormalizer: lemma synonyms, ages, document numbers, idp."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.entity_normalizer import EntityNormalizer
from nlu.tokenizer import UkrainianTokenizer


def _ent(text: str, span: str, entity: str, value: str | None = None) -> dict:
    start = text.index(span)
    return {
        "entity": entity,
        "start": start,
        "end": start + len(span),
        "value": value or span,
        "extractor": "DIETClassifier",
    }


@pytest.fixture(scope="module")
def normalizer(tmp_path_factory) -> EntityNormalizer:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("storage")))
    resource = Resource("entity_normalizer")
    component = EntityNormalizer.create(EntityNormalizer.get_default_config(), storage, resource, None)
    text = "скільки коштує закордонка"
    data = TrainingData(
        training_examples=[
            Message(
                {TEXT: text, "intent": "ask_fee", ENTITIES: [_ent(text, "закордонка", "doc_type", "foreign_passport")]}
            )
        ],
        entity_synonyms={"айдішка": "id_card", "паспорт книжечка": "booklet_exchange"},
    )
    component.train(data)
    # The stored table loads back.
    return EntityNormalizer.load(EntityNormalizer.get_default_config(), storage, resource, None)


@pytest.fixture(scope="module")
def tokenizer() -> UkrainianTokenizer:
    return UkrainianTokenizer(UkrainianTokenizer.get_default_config())


def _run(normalizer, tokenizer, text: str, entities: list, intent: str = "inform") -> list:
    message = Message({TEXT: text, ENTITIES: entities, "intent": {"name": intent, "confidence": 0.9}})
    message.set(TOKENS_NAMES[TEXT], tokenizer.tokenize_text(text))
    normalizer.process([message])
    return [(e["entity"], e["value"]) for e in message.get(ENTITIES)]


def test_every_case_form_resolves_by_lemma(normalizer, tokenizer) -> None:
    for form in ["закордонку", "закордонки", "закордонкою"]:
        text = f"що треба на {form}"
        assert _run(normalizer, tokenizer, text, [_ent(text, form, "doc_type")]) == [("doc_type", "foreign_passport")]
    text = "вкрали айдішку"
    assert _run(normalizer, tokenizer, text, [_ent(text, "айдішку", "doc_type")]) == [("doc_type", "id_card")]


def test_longest_known_phrase_inside_span(normalizer, tokenizer) -> None:
    text = "обміняти старий паспорт-книжечку"
    ents = [_ent(text, "старий паспорт-книжечку", "reason")]
    assert _run(normalizer, tokenizer, text, ents) == [("reason", "booklet_exchange")]


def test_unknown_value_is_dropped(normalizer, tokenizer) -> None:
    text = "що треба на водійське"
    assert _run(normalizer, tokenizer, text, [_ent(text, "водійське", "doc_type")]) == []


@pytest.mark.parametrize(
    "text, span, value",
    [
        ("дитині п'ять років", "п'ять", "5"),
        ("мені 15 р.", "15 р.", "15"),
        ("сину чотирнадцять", "чотирнадцять", "14"),
        ("мені -3", "3", "-3"),
        ("доньці 14-15", "15", "15"),
    ],
)
def test_age_becomes_digits(normalizer, tokenizer, text, span, value) -> None:
    assert _run(normalizer, tokenizer, text, [_ent(text, span, "age")]) == [("age", value)]


def test_split_age_is_merged(normalizer, tokenizer) -> None:
    text = "мені сорок два"
    ents = [_ent(text, "сорок", "age"), _ent(text, "два", "age")]
    assert _run(normalizer, tokenizer, text, ents) == [("age", "42")]


@pytest.mark.parametrize(
    "text, span, value",
    [
        ("мені сорок два", "сорок", "42"),
        ("сину двадцять один рік", "двадцять", "21"),
        ("мне тридцать пять", "тридцать", "35"),
    ],
)
def test_age_cut_inside_a_number_in_words_takes_the_rest(normalizer, tokenizer, text, span, value) -> None:
    assert _run(normalizer, tokenizer, text, [_ent(text, span, "age")]) == [("age", value)]


def test_an_empty_age_span_does_not_crash(normalizer, tokenizer) -> None:
    """A whitespace span tagged as age (the tagger's edge case) is dropped or kept, never a crash."""
    text = "мені сорок"
    empty = {"entity": "age", "start": 4, "end": 5, "value": " ", "extractor": "DIETClassifier"}
    assert isinstance(_run(normalizer, tokenizer, text, [empty]), list)


def test_age_in_digits_is_not_extended(normalizer, tokenizer) -> None:
    text = "мені 14 два паспорти"
    assert _run(normalizer, tokenizer, text, [_ent(text, "14", "age")]) == [("age", "14")]


@pytest.mark.parametrize("text, value", [("мені 15", "15"), ("сину чотирнадцять", "14"), ("їй 7 років", "7")])
def test_age_found_by_rule_when_tagger_missed_it(normalizer, tokenizer, text, value) -> None:
    assert _run(normalizer, tokenizer, text, []) == [("age", value)]


def test_no_age_from_dates_or_numbers(normalizer, tokenizer) -> None:
    assert _run(normalizer, tokenizer, "дійсний до 12.03.2027", []) == []


def test_document_number_by_pattern_replaces_partial_tag(normalizer, tokenizer) -> None:
    text = "чи готовий паспорт kb 123456"
    ents = [_ent(text, "123456", "document_number")]
    assert _run(normalizer, tokenizer, text, ents) == [("document_number", "КВ123456")]


def test_idp_true_and_negated(normalizer, tokenizer) -> None:
    assert _run(normalizer, tokenizer, "так, я ВПО", [_ent("так, я ВПО", "ВПО", "idp")]) == [("idp", "true")]
    assert _run(normalizer, tokenizer, "я не ВПО", [_ent("я не ВПО", "ВПО", "idp")]) == [("idp", "false")]


def test_known_phrase_found_when_tagger_missed_it(normalizer, tokenizer) -> None:
    normalizer._table.setdefault("passport_issued_in", {})["в окупація"] = "occupied_territory"
    assert _run(normalizer, tokenizer, "в окупації", []) == [("passport_issued_in", "occupied_territory")]
    # Never over an entity the tagger already found.
    text = "в окупації"
    assert _run(normalizer, tokenizer, text, [_ent(text, "окупації", "location", "ukraine")]) == [
        ("location", "ukraine")
    ]


def test_gazetteer_only_for_topic_intents(normalizer, tokenizer) -> None:
    assert _run(normalizer, tokenizer, "вкрали мою закордонку", [], intent="ask_documents") == [
        ("doc_type", "foreign_passport")
    ]
    assert _run(normalizer, tokenizer, "вкрали мою закордонку", [], intent="greet") == []


def test_gazetteer_names_the_document_of_a_question_diet_left_untagged(normalizer, tokenizer) -> None:
    """At faq / out_of_scope the document is added only when named by its kind, so the routing can send "cost of
    an adult zagran" to the checklist; a bare «паспорт» stays unnamed (the bot asks which one)."""
    normalizer._table["doc_type"]["паспорт"] = "id_card"
    assert _run(normalizer, tokenizer, "скільки коштує закордонка дорослому", [], intent="faq") == [
        ("doc_type", "foreign_passport")
    ]
    assert _run(normalizer, tokenizer, "де у Харкові зробити закордонку", [], intent="out_of_scope") == [
        ("doc_type", "foreign_passport")
    ]
    assert _run(normalizer, tokenizer, "фото на паспорт приносити?", [], intent="faq") == []
    assert _run(normalizer, tokenizer, "фото на паспорт приносити?", [], intent="ask_documents") == [
        ("doc_type", "id_card")
    ]


@pytest.mark.parametrize(
    "text, span, kept",
    [
        ("їдемо за кордон, що треба на закордонний дитині", "за кордон", False),
        ("едем за границу что нужно на загран", "за границу", False),
        ("виїхали за кордон, паспорт загубила", "за кордон", True),  # the person is abroad now
        ("я за кордоном, що треба на закордонний", "за кордоном", True),
    ],
)
def test_a_direction_abroad_is_no_place(normalizer, tokenizer, text, span, kept) -> None:
    """«їдемо за кордон» says where the trip goes, not where the person (or the passport) is: no location."""
    found = _run(normalizer, tokenizer, text, [_ent(text, span, "location", "abroad")], intent="ask_documents")
    assert (("location", "abroad") in found) == kept


@pytest.mark.parametrize(
    "text, span",
    [
        ("we marry 3 years ago, can i get permanent residence", "3"),
        ("i live here 6 years with permanent residence", "6"),
        ("одружені вже 4 роки, чоловік іноземець", "4"),
        ("вийшла заміж 2 роки тому", "2"),
    ],
)
def test_a_span_of_years_is_no_age(normalizer, tokenizer, text, span) -> None:
    # "Using your earlier answers: age 3" echoed how long someone was married.
    assert _run(normalizer, tokenizer, text, [_ent(text, span, "age")]) == []
    assert ("age", span) not in _run(normalizer, tokenizer, text, [])  # nor found by rule


@pytest.mark.parametrize(
    "text, span, value",
    [("одружена, мені 30", "30", "30"), ("закордонний для сина 5 років", "5", "5"), ("I am 25, married", "25", "25")],
)
def test_an_age_said_beside_a_marriage_stays(normalizer, tokenizer, text, span, value) -> None:
    assert _run(normalizer, tokenizer, text, [_ent(text, span, "age")]) == [("age", value)]


def test_where_one_is_is_no_place_of_issue(normalizer, tokenizer) -> None:
    # «я в польщі мені 40 хочу загран»: DIET read «в польщі» as where the passport was issued; the form then asked
    # «Де ви зараз?» although it had been said.
    text = "я в польщі мені 40 хочу загран"
    found = _run(
        normalizer, tokenizer, text, [{"entity": "passport_issued_in", "value": "abroad", "start": 2, "end": 10}]
    )
    assert [pair for pair in found if pair[0] != "age"] == [("location", "abroad")]
    issued = "паспорт видали в польщі"
    found = _run(
        normalizer, tokenizer, issued, [{"entity": "passport_issued_in", "value": "abroad", "start": 15, "end": 23}]
    )
    assert ("passport_issued_in", "abroad") in found and not any(pair[0] == "location" for pair in found)


@pytest.mark.parametrize(
    "text,tagged",
    [
        ("хочемо загран малому, йому 3 місяці", None),
        ("доньці 5 місяців треба закордонний", None),
        ("синові 2 тижні, робимо паспорт", None),
        ("дочке 8 месяцев нужен загран", "8"),
        ("my baby 4 months old needs a passport", None),
    ],
)
def test_an_age_in_months_or_weeks_is_zero_years(normalizer, tokenizer, text, tagged) -> None:
    entities = [_ent(text, tagged, "age")] if tagged else []
    assert [e for e in _run(normalizer, tokenizer, text, entities) if e[0] == "age"] == [("age", "0")]


@pytest.mark.parametrize(
    "text,tagged,value",
    [
        ("мені 30, подала 3 місяці тому", "30", "30"),
        ("синові 3 роки", "3", "3"),
        ("чекаю паспорт вже 3 місяці", None, None),
    ],
)
def test_months_ago_or_waiting_is_no_baby_age(normalizer, tokenizer, text, tagged, value) -> None:
    entities = [_ent(text, tagged, "age")] if tagged else []
    expected = [("age", value)] if value else []
    assert [e for e in _run(normalizer, tokenizer, text, entities) if e[0] == "age"] == expected


def test_gazetteer_reads_the_answers_in_a_consultations_first_message(normalizer, tokenizer) -> None:
    """«я в Польщі, хочу закордонний у консульстві» says where: the consultation need not ask, and a follow-up's
    context knows the person is abroad."""
    normalizer._table.setdefault("location", {})["в польща"] = "abroad"
    found = _run(normalizer, tokenizer, "я в Польщі, хочу закордонний у консульстві", [], intent="start_consultation")
    assert ("location", "abroad") in found
