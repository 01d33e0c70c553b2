"""The retriever's parts without a trained model: BM25 on lemmas, fusion, calibration, routing, bare «паспорт»."""

import numpy as np
import pytest

from kbengine.faq import load_faq
from nlu.faq_decision import (
    ASKS_FOR_DOCUMENTS,
    bare_passport,
    first_passport,
    follow_up,
    fragment_entities,
    named_residence_permit,
    named_urgency,
    outcome,
    precise_checklist_question,
    reaction,
    route,
    story_checklist_question,
)
from nlu.faq_index import Calibration, FaqIndex, fit_calibration, lemmas
from tests.script_modules import load_script


@pytest.fixture
def index(fixture_kb):
    return FaqIndex.build(load_faq(fixture_kb).examples(), None, weight=0.0)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("у мене вкрали паспорт, що робити?", "lost_id_card_steps"),  # other case forms than the examples
        ("чи треба приносити фото на айдішку", "photo_needed"),
        ("оплата через приват", "pay_privat24"),
    ],
)
def test_bm25_on_lemmas_finds_the_entry(index, text, expected):
    candidates, confidence = index.search(text)
    assert candidates[0].entry_id == expected
    assert 0 < confidence < 1


def test_unrelated_message_scores_nothing(index):
    candidates, confidence = index.search("яка сьогодні погода")
    assert confidence == 0.0 and candidates[0].score == 0.0


def test_lemmas_drop_stopwords_and_unify_case_forms():
    assert sorted(lemmas("Що робити, якщо вкрали паспорта?")) == sorted(lemmas("вкрали паспорт робити"))


def test_ages_and_years_count_but_document_numbers_do_not():
    assert lemmas("доньці 13 років, подавали у 2022") == ["донька", "13", "рік", "подавати", "2022"]
    assert "001234567" not in lemmas("номер 001234567")


def test_russian_words_count_as_their_ukrainian_equivalents():
    assert lemmas("у меня украли паспорт ребенка, что делать?") == lemmas("у мене вкрали паспорт дитини, що робити?")
    assert "посвідка" in lemmas("где получить вид на жительство") and "отримати" in lemmas("где получить")


def test_russian_words_in_ukrainian_letters_count_as_those_words():
    """«талончік», «заранєє», «мєсяц»: surzhyk no Ukrainian dictionary knows, read as the Russian word it spells."""
    assert lemmas("а талончік де подивиться") == lemmas("а талончик где посмотреть")
    assert lemmas("фотки заранєє робить") == lemmas("фотки заздалегідь робити")
    assert "місяць" in lemmas("мені 25 ісполнилось мєсяц назад")
    # Ukrainian words stay as they are, even when their Russian look-alike means something else.
    assert lemmas("чіп на айдішці перестав читатись") == ["чіп", "айдішка", "переставити", "читатися"]
    assert lemmas("тільки закордонний") == ["тільки", "закордонний"]


def test_ukrainian_words_typed_on_a_russian_keyboard_count_as_those_words():
    """«скильки», «посвидки», «коштуе», «обовязково»: и / ы for і, е for є, the apostrophe left out."""
    assert lemmas("скильки коштуе") == lemmas("скільки коштує")
    assert lemmas("посвидки на тимчасове") == lemmas("посвідки на тимчасове")
    assert lemmas("чи обовязково її брати") == lemmas("чи обов'язково її брати")
    assert lemmas("пальцыв") == lemmas("пальців")


def test_the_russian_to_ukrainian_list_is_well_formed():
    from nlu.faq_index import RU_UK_FILE

    seen = set()
    for line in RU_UK_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        russian, ukrainian = line.split("\t")  # exactly two fields
        assert russian == russian.strip().lower() and russian not in seen, line
        assert ukrainian and not set("ыэъё") & set(ukrainian), line  # the right side is Ukrainian
        seen.add(russian)


def test_a_russian_question_finds_an_entry_with_only_ukrainian_questions():
    examples = [
        ("як дитині отримати посвідку на проживання", "child_permit"),
        ("дитина іноземця, яка посвідка їй потрібна", "child_permit"),
        ("оплата через приват24", "pay_privat24"),
        ("можна заплатити карткою", "pay_privat24"),
    ]
    index = FaqIndex.build(examples, None, weight=0.0)
    candidates, confidence = index.search("ребенку нужен вид на жительство, как получить?")
    assert candidates[0].entry_id == "child_permit" and confidence > 0


class Encoder:
    """A stand-in for the trained model: texts with `marker` (default «фот») on one axis, every other on another."""

    def __init__(self, marker: str = "фот") -> None:
        self.marker = marker

    def encode(self, texts):
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, 0 if self.marker in t.lower() else 1] = 1.0
        return out


def test_embeddings_are_fused_and_index_round_trips(fixture_kb, tmp_path):
    examples = load_faq(fixture_kb).examples()
    built = FaqIndex.build(examples, Encoder(), weight=1.0)
    photo_vector = Encoder().encode(["фото"])[0]
    assert built.search("зовсім інші слова", photo_vector)[0][0].entry_id == "photo_needed"
    built.save(tmp_path / "index")
    loaded = FaqIndex.load(tmp_path / "index")
    assert loaded.search("зовсім інші слова", photo_vector)[0][0].entry_id == "photo_needed"


def test_a_retrieval_the_embeddings_disagree_with_is_capped(fixture_kb, tmp_path):
    examples = load_faq(fixture_kb).examples()
    calibration = Calibration(a=10, b=5, c=-1)
    photo = Encoder().encode(["фото"])[0]
    free = FaqIndex.build(examples, Encoder(), weight=0.3, calibration=calibration)
    capped = FaqIndex.build(examples, Encoder(), weight=0.3, calibration=calibration, disagreement_cap=0.3)
    # The words say Privat24, the embedding is pointed at photo: BM25 wins the fusion, the two disagree.
    found, confidence = free.search("оплата через приват24", photo)
    assert found[0].entry_id == "pay_privat24" and confidence > 0.3
    assert not free.embedding_agrees("оплата через приват24", photo)
    found, confidence = capped.search("оплата через приват24", photo)
    assert found[0].entry_id == "pay_privat24" and confidence == 0.3
    # Routing reads the confidence before the cap: some entry answers, only which one is unclear.
    _, capped_confidence, uncapped = capped.search_uncapped("оплата через приват24", photo)
    assert capped_confidence == 0.3 and uncapped == free.search("оплата через приват24", photo)[1] > 0.3
    # Both point at the photo entry: nothing is capped.
    assert capped.search("фото на айдішку треба?", photo)[1] == free.search("фото на айдішку треба?", photo)[1] > 0.3
    capped.save(tmp_path / "index")
    assert FaqIndex.load(tmp_path / "index").disagreement_cap == 0.3


def test_a_close_call_between_two_sibling_entries_is_capped(tmp_path):
    examples = [
        ("що таке витяг з реєстру громади", "extract_what"),
        ("витяг з реєстру це що за документ", "extract_what"),
        ("як отримати витяг з реєстру громади", "extract_how"),
        ("де взяти витяг з реєстру", "extract_how"),
        ("фото треба приносити", "photo"),
        ("фотографують на місці", "photo"),
    ]
    encoder = Encoder("витяг")  # every text about the extract on one axis: the two extract entries look alike
    kwargs = {"weight": 0.3, "calibration": Calibration(a=10, b=5, c=-1), "disagreement_cap": 0.3}
    free = FaqIndex.build(examples, encoder, **kwargs)
    careful = FaqIndex.build(examples, encoder, close_call_lead=0.05, **kwargs)
    vector = encoder.encode(["витяг з реєстру"])[0]
    # The embeddings cannot tell the two apart and the words barely can: stated without the check, offered with it.
    found, confidence = free.search("витяг з реєстру", vector)
    assert found[0].entry_id.startswith("extract_") and confidence > 0.3
    assert careful.search("витяг з реєстру", vector) == (found, 0.3)
    # A question only one of them answers keeps its confidence.
    photo = encoder.encode(["фото"])[0]
    assert careful.search("фото треба приносити?", photo)[1] == free.search("фото треба приносити?", photo)[1] > 0.3
    careful.save(tmp_path / "index")
    assert FaqIndex.load(tmp_path / "index").close_call_lead == 0.05


def test_calibration_is_monotonic_and_fitted():
    calibration = Calibration(a=10, b=5, c=-5)
    assert calibration(0.2, 0.0) < calibration(0.5, 0.0) < calibration(0.5, 0.3)
    samples = [(0.8, 0.4, True)] * 20 + [(0.3, 0.02, False)] * 20 + [(0.5, 0.1, True), (0.5, 0.1, False)]
    fitted = fit_calibration(samples)
    assert fitted(0.8, 0.4) > 0.8 and fitted(0.3, 0.02) < 0.2


DOC = [{"entity": "doc_type", "value": "foreign_passport", "start": 14, "end": 27}]
BARE = [{"entity": "doc_type", "value": "id_card", "start": 15, "end": 22}]


def test_route():
    # A checklist question with its document stays with the checklist engine.
    assert route("ask_fee", 0.97, DOC, 0.95, 0.5, 0.15, "скільки коштує закордонний") == "keep"
    # The FAQ overrules a fallback or out-of-scope when it is sure, and suggests when it is half sure.
    assert route("nlu_fallback", 0.3, [], 0.7, 0.5, 0.15) == "faq"
    assert route("out_of_scope", 0.6, [], 0.2, 0.5, 0.15) == "faq"
    assert route("out_of_scope", 0.6, [], 0.1, 0.5, 0.15) == "keep"
    # Greetings, tracking, form answers are never overruled.
    assert route("greet", 0.99, [], 0.99, 0.5, 0.15) == "keep"
    assert route("inform", 0.6, [], 0.99, 0.5, 0.15) == "keep"
    # Another intent DIET is unsure of gives way to a sure FAQ answer.
    assert route("track_document", 0.8, [], 0.6, 0.5, 0.15) == "faq"
    assert route("unsubscribe", 0.95, [], 0.6, 0.5, 0.15) == "keep"
    # Plainly out of scope gets no «did you mean» (but a sure FAQ answer, e.g. a referral, still wins).
    assert route("out_of_scope", 0.99, [], 0.2, 0.5, 0.15) == "keep"
    assert route("out_of_scope", 0.99, [], 0.35, 0.5, 0.15) == "faq"
    assert route("out_of_scope", 0.99, [], 0.7, 0.5, 0.15) == "faq"
    # «Консультація» starts the consultation even when an FAQ entry matches.
    assert route("start_consultation", 0.99, [], 0.7, 0.5, 0.15) == "keep"
    # A checklist topic without a known document: the sure FAQ answer comes first.
    assert route("ask_documents", 0.8, [], 0.8, 0.5, 0.15) == "faq"


def test_bare_passport_is_not_the_id_card():
    text = "скільки коштує паспорт"
    assert bare_passport(BARE, text)
    assert not bare_passport(DOC, "скільки коштує закордонний")
    assert not bare_passport([{"entity": "doc_type", "value": "id_card", "start": 0, "end": 15}], "паспорт-картка")
    parse = {"text": text, "intent": {"name": "ask_fee"}, "entities": BARE}
    assert outcome(parse) == {"kind": "ambiguous", "value": None, "suggested": [], "intent": "ask_fee"}
    assert outcome({"text": "x", "intent": {"name": "ask_fee"}, "entities": DOC}) == {
        "kind": "checklist",
        "value": "foreign_passport",
        "intent": "ask_fee",
    }


def test_passport_alone():
    from nlu.faq_decision import passport_alone

    entity = [{"entity": "doc_type", "value": "id_card", "start": 0, "end": 7}]
    assert passport_alone("inform", entity, "паспорт")
    assert passport_alone("ask_documents", entity, "паспорт: що треба")
    assert not passport_alone("track_document", entity, "паспорт КВ123456 готовий?")
    assert outcome({"text": "паспорт", "intent": {"name": "inform"}, "entities": entity})["kind"] == "ambiguous"
    # «ID карту» names the document; the «паспорта» beside it no longer makes the question «which passport?».
    text = "документи на ID карту якщо паспорта не було"
    both = [
        {"entity": "doc_type", "value": "id_card", "start": 13, "end": 21},
        {"entity": "doc_type", "value": "id_card", "start": 27, "end": 35},
    ]
    assert not passport_alone("ask_documents", both, text)
    assert passport_alone("ask_documents", both[1:], text)


def test_a_specific_question_about_a_named_document_goes_to_its_faq_entry():
    """«куди йти з книжечкою, щоб оформити закордонний»: DIET hears a place question for the foreign passport, the
    retriever is sure of an entry about that passport: the entry answers, not the checklist."""
    text = "куди йти з книжечкою, щоб оформити закордонний"
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 35, "end": 46}]

    def decide(intent="ask_where_to_apply", confidence=0.4, documents=("foreign_passport",)):
        return route(intent, 0.99, foreign, confidence, 0.32, 0.15, text, 0.35, documents)

    assert decide() == "faq"
    assert decide(confidence=0.34) == "keep"  # not sure enough: the checklist
    assert decide(documents=("id_card",)) == "keep"  # an entry about another document
    assert decide(documents=()) == "keep"  # an entry an intent serves (fees ...) or about no document
    assert decide(intent="start_consultation") == "keep"  # «хочу закордонний»: the checklist is what is wanted
    assert route("ask_where_to_apply", 0.99, foreign, 0.9, 0.32, 0.15, text) == "keep"  # the default: off


def test_a_checklist_question_without_a_word_of_its_kind_goes_to_the_faq():
    """DIET hears ask_where_to_apply in "can my 9 year old son get an ID card": no place is asked for, so the
    FAQ answers or offers its entries; a message that does ask where keeps the checklist."""
    from nlu.faq_decision import asks_what_checklist_answers

    id_card = [{"entity": "doc_type", "value": "id_card"}]

    def decide(text, intent="ask_where_to_apply", faq_confidence=0.24):
        return route(intent, 0.99, id_card, faq_confidence, 0.32, 0.15, text, 0.32, ("foreign_passport",))

    assert decide("can my 9 year old son get an ID card") == "faq"
    assert decide("do ID cards expire for people over 70") == "faq"
    assert decide("can my 9 year old son get an ID card", faq_confidence=0.1) == "keep"  # nothing to offer
    assert decide("де зробити айді дитині 8 років") == "keep"
    assert decide("в цнапі можна оформити айді?") == "keep"
    assert decide("скільки грошей брать на айді", intent="ask_fee") == "keep"
    assert decide("сколько делается айди", intent="ask_processing_time") == "keep"
    assert decide("какие бумаги нужны на айди", intent="ask_documents") == "keep"
    assert asks_what_checklist_answers("ask_documents", "дoкументи для айді")  # a Latin «o» inside the word
    assert not asks_what_checklist_answers("ask_documents", "can I swap my paper passport for an ID card")
    assert asks_what_checklist_answers("help", "anything")  # no cues for other intents: no check


def test_a_yes_no_question_naming_documents_is_no_request_for_the_list():
    """«синові на першу айді потрібні документи обох батьків?» asks about one detail, which an entry answers; «які
    документи для першої айді сину» asks for the list."""
    id_card = [{"entity": "doc_type", "value": "id_card"}]

    def decide(text):
        return route("ask_documents", 0.99, id_card, 0.4, 0.32, 0.15, text, 0.32, ("id_card",))

    assert decide("синові на першу айді потрібні документи обох батьків?") == "faq"
    assert decide("які документи на першу айді синові") == "keep"
    assert decide("what papers do I need for an ID card") == "keep"
    assert decide("документи на айді для сина") == "keep"


def test_asking_what_to_do_is_no_tracking_request_without_a_number():
    """«статус третій тиждень той самий, що робити» at track_document: the steps are asked for; with a number to
    track, tracking stands. An unsure intent on a question the retriever has a suggestion for offers the entries."""
    number = [{"entity": "document_number", "value": "AB123456"}]
    assert route("track_document", 0.95, [], 0.4, 0.32, 0.15, "статус третій тиждень той самий, що робити") == "faq"
    assert route("track_document", 0.95, number, 0.4, 0.32, 0.15, "AB123456 статус той самий, що робити") == "keep"
    # Surzhyk asks the same.
    assert route("track_document", 0.95, [], 0.4, 0.32, 0.15, "два місяці статус не мєняється, шо робить?") == "faq"
    assert route("help", 0.5, [], 0.23, 0.32, 0.15, "відмовили, бо не підтверджене громадянство, що робити") == "faq"
    book = "how can I book a slot at the migration office"
    assert route("contact_human", 0.78, [], 0.30, 0.32, 0.15, book) == "faq"  # «did you mean», not the contacts
    assert route("contact_human", 0.95, [], 0.30, 0.32, 0.15, book) == "keep"  # DIET sure: its intent stands
    assert route("contact_human", 0.78, [], 0.10, 0.32, 0.15, book) == "keep"  # nothing worth offering
    assert route("contact_human", 0.78, [], 0.30, 0.32, 0.15, "оператора дайте") == "keep"  # not a question


def test_a_question_diet_took_for_a_form_answer_goes_to_the_faq():
    """Form answers are statements of at most seven words («мені 15», «вкрали»); a question or a long story that
    DIET calls `inform` would otherwise start the form («Чому оформлюєте документ?») instead of answering."""
    from nlu.faq_decision import asks

    question = "що таке дозвіл на імміграцію"
    assert asks(question) and asks("а стару книжечку залишать?") and asks("how long does it take")
    assert not asks("мені 15 років") and not asks("вкрали?") and not asks("так, я переселенка")
    # A request is a question: «нагадайте, коли спливає строк паспорта» is no form answer.
    assert asks("нагадайте, коли спливає строк паспорта") and asks("підкажіть куди йти з дитиною")
    assert asks("tell me what the status means") and not asks("remind")

    def decide(text, faq_confidence):
        return route("inform", 0.99, [], faq_confidence, 0.32, 0.15, text)

    assert decide(question, 0.33) == "faq"
    assert decide(question, 0.2) == "faq"  # half sure: «did you mean» rather than a form question
    assert decide(question, 0.1) == "keep"
    story = "there is a typo in my name on my ID card"
    assert decide(story, 0.33) == "faq"
    assert decide(story, 0.2) == "keep"  # a long answer the FAQ is unsure of stays a form answer
    assert decide("мені 45 років, живу в Польщі", 0.9) == "keep"  # a form answer, however close an entry is


def test_an_unsure_faq_guess_about_a_named_document_goes_to_the_checklist():
    """«скільки чекати айді-картку?»: DIET says `faq`, no entry is sure and the likeliest is about something else:
    the checklist question DIET ranked next answers it precisely."""
    text = "айді-картку скоро зроблять?"  # a word of the term, not the term asked outright
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 0, "end": 11}]

    def decide(
        faq_confidence=0.24, top_documents=("foreign_passport",), runner_up="ask_processing_time", entities=id_card
    ):
        return route("faq", 0.92, entities, faq_confidence, 0.32, 0.15, text, 0.35, top_documents, runner_up)

    assert decide() == "ask_processing_time"
    assert decide(top_documents=()) == "ask_processing_time"  # the likeliest entry is about no document
    assert decide(faq_confidence=0.4) == "faq"  # a sure entry answers
    assert decide(top_documents=("id_card",)) == "faq"  # «did you mean» an entry about this very document
    assert decide(runner_up="track_document") == "faq"  # only a checklist question replaces the FAQ
    assert decide(entities=[]) == "faq"  # no document named: nothing for the checklist to be precise about


def test_a_document_number_the_faq_is_unsure_of_is_a_tracking_request():
    number = [{"entity": "document_number", "value": "1-ВЛ648009", "start": 22, "end": 32}]
    text = "свідоцтво про народження 1-ВЛ648009, чи готова айдішка дитини"
    assert route("faq", 0.99, number, 0.2, 0.32, 0.15, text) == "track_document"
    assert route("faq", 0.99, number, 0.5, 0.32, 0.15, text) == "faq"  # a sure entry still answers
    assert route("faq", 0.99, [], 0.2, 0.32, 0.15, text) == "faq"


def test_a_faq_guess_with_nothing_to_offer_gives_way_to_diets_next_guess():
    """«що там з моєю айдішкою?»: DIET says `faq`, but no entry is even worth a «did you mean» button: its runner-up
    answers. («де мій паспорт?» is tracking by its own rule: test_where_is_my_document_is_tracking.)"""
    text = "що там з моєю айдішкою?"
    assert route("faq", 0.99, [], 0.09, 0.32, 0.15, text, runner_up="track_document") == "track_document"
    assert route("faq", 0.99, [], 0.2, 0.32, 0.15, text, runner_up="track_document") == "faq"  # a suggestion exists
    assert route("faq", 0.99, [], 0.09, 0.32, 0.15, text, runner_up="nlu_fallback") == "faq"
    assert route("faq", 0.99, [], 0.09, 0.32, 0.15, text) == "faq"  # no runner-up known


def test_a_checklist_question_asked_outright_beats_a_mere_list_of_entries():
    """«дочке 14 лет первый паспорт айди сколько делается» at ask_processing_time 0.99: the entry about the first
    passport comes first, but only as «did you mean» (capped): the term for the named ID card answers instead."""
    text = "дочке 14 лет первый паспорт айди сколько делается"
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 28, "end": 32}]

    def decide(capped, intent="ask_processing_time"):
        return route(intent, 0.99, id_card, 0.36, 0.32, 0.15, text, 0.35, ("id_card",), capped_confidence=capped)

    assert decide(0.25) == "keep"
    assert decide(0.36) == "faq"  # an entry sure enough to answer: the specific entry, as before
    assert decide(0.25, intent="ask_fee") == "ask_processing_time"  # no fee is asked: the question asked outright


def test_paper_slang_asks_for_the_documents():
    assert ASKS_FOR_DOCUMENTS.search("посвідка на тимчасове кончається, які бумажки збирать")
    assert ASKS_FOR_DOCUMENTS.search("какие бумажки нужны на загран")


def test_a_first_passport_is_the_id_card():
    text = "перелік документів на перший паспорт синові"
    read = first_passport([{"entity": "age", "value": "14"}], text)
    assert {(e["entity"], e["value"]) for e in read} == {
        ("age", "14"),
        ("doc_type", "id_card"),
        ("reason", "first_issue"),
    }
    bare = [{"entity": "doc_type", "value": "id_card", "start": 29, "end": 36}, {"entity": "reason", "value": "lost"}]
    assert [(e["entity"], e["value"]) for e in first_passport(bare, text)] == [
        ("reason", "lost"),
        ("doc_type", "id_card"),
    ]
    assert first_passport([], "documents for my son's first passport")[0]["value"] == "id_card"
    # The first foreign passport is named by its kind; no «first» at all changes nothing.
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 15, "end": 26}]
    assert first_passport(foreign, "скільки коштує перший закордонний паспорт") is foreign
    assert first_passport([], "документи на паспорт") == []


def test_a_misspelt_word_counts_as_the_word_it_misspells():
    index = FaqIndex.build(
        [
            ("documents for a residence permit", "permit"),
            ("скільки коштує паспорт", "fee"),
            ("оплата через приват24", "pay"),
        ],
        None,
        weight=0.0,
    )
    assert index.spelled("documnt") == "document" and index.spelled("residance") == "residence"
    assert index.spelled("паспотр") == "паспорт"
    assert index.spelled("привіт") == "привіт"  # a dictionary word, not a typo of «приват»
    assert index.spelled("visa") == "visa"  # too short to guess
    candidates, confidence = index.search("wat documnts for residance prmit")
    assert candidates[0].entry_id == "permit" and confidence > 0


def test_an_explicit_documents_question_keeps_its_checklist():
    """«я вийшла заміж, які документи для нового ID»: the list itself is asked for, so the specific-entry rule
    (test above) does not take it to the FAQ; another question about the document still goes there."""
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 38, "end": 40}]

    def decide(text, intent="ask_documents"):
        return route(intent, 0.99, id_card, 0.4, 0.32, 0.15, text, 0.35, ("id_card",))

    assert decide("я вийшла заміж і змінила прізвище, які документи для нового ID") == "keep"
    assert decide("what papers do I need for a new ID") == "keep"
    assert decide("я вийшла заміж, коли міняти ID") == "faq"
    assert decide("я вийшла заміж, скільки коштує новий ID", intent="ask_fee") == "faq"


def test_a_short_message_naming_a_language_switches_it():
    uk = [{"entity": "language", "value": "uk", "start": 8, "end": 17}]
    assert route("go_back", 0.8, uk, 0.17, 0.32, 0.15, "back to Ukrainian") == "set_language"
    assert route("affirm", 0.95, uk, 0.1, 0.32, 0.15, "так, українською") == "set_language"
    assert route("set_language", 0.99, uk, 0.1, 0.32, 0.15, "українською") == "keep"
    exam = "іспит з української мови"
    assert route("faq", 0.99, uk, 0.5, 0.32, 0.15, exam) == "faq"  # an entry is sure: a question about the language
    long = "чи є у вас англійська версія для моєї дружини іноземки"
    assert route("faq", 0.99, uk, 0.5, 0.32, 0.15, long) == "faq"


def test_a_bare_value_diet_is_unsure_of_is_a_form_answer():
    """«вкрали» answers «Чому оформлюєте документ?»; DIET, unsure, called it out of scope."""
    stolen = [{"entity": "reason", "value": "stolen", "start": 0, "end": 6}]
    assert route("out_of_scope", 0.85, stolen, 0.2, 0.32, 0.15, "вкрали") == "inform"
    assert route("faq", 0.6, stolen, 0.2, 0.32, 0.15, "вкрали") == "inform"
    assert route("faq", 0.6, stolen, 0.5, 0.32, 0.15, "вкрали") == "faq"  # an entry is sure of it
    assert route("out_of_scope", 0.95, stolen, 0.2, 0.32, 0.15, "вкрали") != "inform"  # DIET sure: its call
    assert route("out_of_scope", 0.85, [], 0.2, 0.32, 0.15, "погода") != "inform"  # no form value in it
    long = "вкрали гаманець у метро вчора ввечері"
    assert route("out_of_scope", 0.85, stolen, 0.2, 0.32, 0.15, long) != "inform"


def test_a_weak_runner_up_never_acts_on_the_form_or_the_data():
    for runner_up in ("go_back", "start_over", "deny", "delete_my_data", "unsubscribe", "inform"):
        assert route("faq", 0.99, [], 0.1, 0.32, 0.15, "паспорт постірала в машинці", runner_up=runner_up) == "faq"


def test_what_to_do_asks_for_the_steps():
    """«вкрали закордонний в Італії, що робити»: DIET hears a checklist question; the FAQ's steps answer it."""
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 7, "end": 18}]
    text = "вкрали закордонний в Італії, що робити"
    assert route("ask_documents", 0.99, foreign, 0.33, 0.32, 0.15, text) == "faq"
    assert route("ask_where_to_apply", 0.99, foreign, 0.2, 0.32, 0.15, text) == "faq"  # «did you mean» the steps
    assert route("ask_documents", 0.99, foreign, 0.1, 0.32, 0.15, text) == "keep"  # nothing to offer: the checklist
    assert route("ask_documents", 0.99, foreign, 0.33, 0.32, 0.15, "вкрали закордонний, що брати") == "keep"


def test_diet_and_the_retriever_agreeing_on_an_intent_keep_it():
    """DIET unsure of contact_human and the retriever's first entry served by contact_human: the contacts come, not
    «did you mean» the contacts entry."""
    text = "can i speak with somebody from the office"
    assert route("contact_human", 0.8, [], 0.25, 0.32, 0.15, text) == "faq"
    assert route("contact_human", 0.8, [], 0.25, 0.32, 0.15, text, top_intent="contact_human") == "keep"
    assert route("contact_human", 0.8, [], 0.25, 0.32, 0.15, text, top_intent="help") == "faq"


def test_tracking_without_a_number_or_a_word_of_tracking_goes_to_the_faq():
    """ "can my 9 year old son get an ID card" at track_document: nothing is tracked; «де мій паспорт» and a number are."""
    assert route("track_document", 0.97, [], 0.24, 0.32, 0.15, "can my 9 year old son get an ID card") == "faq"
    assert route("track_document", 0.97, [], 0.24, 0.32, 0.15, "де мій паспорт, вже готовий?") == "keep"
    number = [{"entity": "document_number", "value": "004518273"}]
    assert route("track_document", 0.97, number, 0.24, 0.32, 0.15, "id-картка 004518273") == "keep"


def test_asking_what_a_status_means_gets_the_explanation():
    """«статус "видано" що це значить» at track_document, without a number: the FAQ explains the status."""
    text = "статус «передано на видачу» що це значить"
    assert route("track_document", 1.0, [], 0.39, 0.32, 0.15, text) == "faq"
    assert route("track_document", 1.0, [], 0.39, 0.32, 0.15, "what does the status sent for printing mean") == "faq"
    number = [{"entity": "document_number", "value": "004518273"}]
    assert route("track_document", 1.0, number, 0.39, 0.32, 0.15, "004518273 " + text) == "keep"


def test_a_sure_entry_beats_the_general_contacts():
    """«сайт черги видає помилку, куди дзвонити» at contact_human 0.98: the e-queue's support entry answers it; the
    contacts entry itself (served by contact_human) and an unsure retriever leave the contacts."""
    text = "сайт черги видає помилку, куди дзвонити"
    assert route("contact_human", 0.98, [], 0.345, 0.32, 0.15, text) == "faq"
    assert route("contact_human", 0.98, [], 0.345, 0.32, 0.15, text, top_intent="contact_human") == "keep"
    assert route("contact_human", 0.98, [], 0.25, 0.32, 0.15, text) == "keep"
    assert route("my_subscriptions", 0.97, [], 0.36, 0.32, 0.15, "мої відстеження") == "keep"


def test_a_passport_with_words_that_do_not_say_which_is_still_bare():
    """«потєряний паспорт», "my lost passport": the normaliser reads the ID card into them; the bot asks which one."""

    def doc(text):
        return [{"entity": "doc_type", "value": "id_card", "start": 0, "end": len(text)}]

    for words in ("паспорт", "потєряний паспорт", "мій новий паспорт", "my lost passport", "украинский паспорт"):
        assert bare_passport(doc(words), words), words
    for words in ("закордонний паспорт", "паспорт для виїзду", "паспорт-книжечка", "internal passport", "ID card"):
        assert not bare_passport(doc(words), words), words


def test_validity_and_who_questions_are_no_checklist_questions():
    """«на скільки років роблять закордонний дитині» at ask_processing_time and "who submits…" at a checklist question:
    neither the term nor any checklist answers them; an expired document («термін дії скінчився») still gets its list."""
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 27, "end": 38}]
    text = "на скільки років роблять закордонний дитині 3 роки"
    assert route("ask_processing_time", 1.0, foreign, 0.33, 0.32, 0.15, text) == "faq"
    permit = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 0, "end": 3}]
    who = "my daughter is 12, who submits her residence permit application, her or me?"
    assert route("faq", 1.0, permit, 0.24, 0.32, 0.15, who, runner_up="ask_where_to_apply") == "faq"
    where = "where does my daughter submit her residence permit application"
    assert route("faq", 1.0, permit, 0.24, 0.32, 0.15, where, runner_up="ask_where_to_apply") == "ask_where_to_apply"
    expired = "термін дії скінчився у посвідки на постійне, що нести в міграційну"
    assert route("ask_documents", 1.0, permit, 0.26, 0.32, 0.15, expired) == "keep"


def test_a_question_diet_took_for_a_yes_gets_the_faq():
    """«що означає прибув до ЗДУ» at affirm: no yes DIET learnt from opens with a question word; «так, а коли…?» does
    not either, and stays a yes."""
    assert route("affirm", 0.97, [], 0.45, 0.32, 0.15, "що означає прибув до ЗДУ") == "faq"
    assert route("affirm", 0.97, [], 0.45, 0.32, 0.15, "так, а коли буде готово?") == "keep"
    assert route("deny", 0.97, [], 0.45, 0.32, 0.15, "ні") == "keep"


def test_an_unsure_form_step_gives_way_to_a_sure_entry() -> None:
    """«в паспорті помилка в прізвищі, як виправити» at change_answer 0.77 asks about the passport; a sure
    «змінити відповідь» or a short «назад» stays a step of the form, and so does an unsure one no entry is sure of."""
    text = "в паспорті помилка в прізвищі, як виправити"
    assert route("change_answer", 0.77, [], 0.36, 0.32, 0.15, text) == "faq"
    assert route("change_answer", 0.95, [], 0.36, 0.32, 0.15, text) == "keep"
    assert route("change_answer", 0.77, [], 0.28, 0.32, 0.15, "можна змінити одну відповідь?") == "keep"
    assert route("go_back", 0.6, [], 0.4, 0.32, 0.15, "назад") == "keep"


def test_a_question_of_meaning_is_no_step_of_the_form() -> None:
    """«що означає статус персоналізовано» at start_over 0.83: the explanation, offered or stated, not a restart."""
    text = "що означає статус персоналізовано"
    assert route("start_over", 0.83, [], 0.29, 0.32, 0.15, text) == "faq"
    assert route("start_over", 0.95, [], 0.29, 0.32, 0.15, "почати все спочатку") == "keep"


def test_a_confused_user_gets_help_not_unsure_entries() -> None:
    """«я заплуталась, не розумію що робити» at help 1.0 with no sure entry is the menu; a sure entry still answers."""
    text = "я заплуталась не розумію що робити"
    assert route("help", 1.0, [], 0.18, 0.32, 0.15, text) == "keep"
    assert route("help", 1.0, [], 0.4, 0.32, 0.15, "вкрали паспорт, що робити") == "faq"
    assert route("ask_documents", 1.0, [], 0.18, 0.32, 0.15, "вкрали паспорт, що робити") == "faq"


def test_a_definition_question_is_no_form_answer() -> None:
    """«что такое УНЗР» at affirm 0.77 (three words, no «?»): the entry, not a «так» in the form."""
    assert route("affirm", 0.77, [], 0.38, 0.32, 0.15, "что такое УНЗР") == "faq"
    assert route("affirm", 0.95, [], 0.38, 0.32, 0.15, "так, все вірно") == "keep"


@pytest.mark.parametrize("text", ["200", "14", " -3 "])
def test_a_bare_small_number_is_a_form_value(text) -> None:
    """«200» at track_document 0.93 in the age question: a form value (the form then explains the range)."""
    assert route("track_document", 0.93, [], 0.07, 0.32, 0.15, text) == "inform"
    assert route("nlu_fallback", 0.5, [], 0.07, 0.32, 0.15, text) == "keep"


def test_a_form_answer_naming_a_bare_passport_asks_which_one() -> None:
    """«треба новий паспорт» (inform, three words) used to start the form with the ID card taken silently; a passport
    the words do say («треба новий закордонний паспорт») stays."""
    from nlu.faq_decision import passport_alone

    text = "треба новий паспорт"
    bare = [{"entity": "doc_type", "value": "id_card", "start": 12, "end": 19}]
    assert passport_alone("inform", bare, text)
    parse = {"text": text, "intent": {"name": "inform"}, "entities": bare}
    assert outcome(parse)["kind"] == "ambiguous"
    named = "треба новий закордонний паспорт"
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 12, "end": 31}]
    assert not passport_alone("inform", foreign, named)
    assert not passport_alone("track_document", bare, "паспорт 123456789 де він")


def test_an_unsure_documents_request_for_a_named_document_keeps_its_checklist() -> None:
    """«Що брати з собою, щоб оформити закордонний паспорт?» at ask_documents 0.70 with no sure entry: the list; the
    same question at fee (no documents word), or with a sure entry, is the FAQ's."""
    text = "Що брати з собою, щоб оформити закордонний паспорт?"
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 31, "end": 42}]
    assert route("ask_documents", 0.70, foreign, 0.24, 0.32, 0.15, text) == "keep"
    assert route("ask_documents", 0.70, foreign, 0.40, 0.32, 0.15, text) == "faq"
    assert route("ask_documents", 0.70, [], 0.24, 0.32, 0.15, text) == "faq"


def test_when_to_exchange_before_expiry_is_no_term_question() -> None:
    """«за скільки до кінця строку можна міняти айдішку» at ask_processing_time 0.95: the entry on exchanging, not the
    production term; «скільки по времені оформляють айдішку» is a term question all the same."""
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 40, "end": 47}]
    before = "за скільки до кінця строку можна міняти айдішку"
    assert route("ask_processing_time", 0.95, id_card, 0.33, 0.32, 0.15, before) == "faq"
    term = "скільки по времені оформляють айдішку"
    assert route("ask_processing_time", 0.91, id_card, 0.21, 0.32, 0.15, term) == "keep"


def test_a_short_question_asking_a_checklist_question_outright_gets_the_checklist() -> None:
    """«за який час видають посвідку на постійне» at faq (or a fallback) with no sure entry, even one about that
    permit: the term, asked in so many words, is the checklist's; so is «сколько рассматривают посвидку на временное»
    that DIET took for a fee question. A story around the same words, a validity question or a sure entry is not."""
    permit = [{"entity": "doc_type", "value": "permanent_residence_permit", "start": 27, "end": 40}]
    term = "за який час видають посвідку на постійне"
    for intent in ("faq", "nlu_fallback", "out_of_scope"):
        assert route(intent, 0.5, permit, 0.30, 0.32, 0.15, term, 0.36, ("permanent_residence_permit",)) == (
            "ask_processing_time"
        )
    assert route("faq", 0.5, permit, 0.40, 0.32, 0.15, term, 0.36, ("permanent_residence_permit",)) == "faq"
    assert route("faq", 0.5, [], 0.30, 0.32, 0.15, term) == "faq"  # no document named
    listing = "permanent residence permit documents list"
    assert route("nlu_fallback", 0.5, permit, 0.30, 0.32, 0.15, listing) == "ask_documents"
    fee_guess = "сколько рассматривают посвидку на временное проживание"
    temporary = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 22, "end": 54}]
    assert route("ask_fee", 0.98, temporary, 0.28, 0.32, 0.15, fee_guess) == "ask_processing_time"
    story = "Lost my ID-card in Prague. Consulate told me they dont do ID cards. So where can I get a new one?"
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 8, "end": 15}]
    assert route("faq", 0.9, id_card, 0.30, 0.32, 0.15, story) == "faq"
    validity = "на скільки років видають посвідку на постійне"
    assert route("faq", 0.9, permit, 0.30, 0.32, 0.15, validity) == "faq"
    assert precise_checklist_question("скільки коштує айдішка") == "ask_fee"
    assert precise_checklist_question("де оформити айдішку") == "ask_where_to_apply"
    assert precise_checklist_question("скільки коштує і де оформити айдішку") is None  # two questions: not one


def test_a_story_asks_where_with_a_few_words_between_where_and_the_verb() -> None:
    """«где мне в кривом роге айди карту делать, я на пенсии, с шахты» at faq 1.0: up to five words (the place, the
    document) between «где» and «делать» still ask where to apply."""
    text = "где мне в кривом роге айди карту делать, я на пенсии, с шахты"
    assert story_checklist_question(text) == "ask_where_to_apply"
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 25, "end": 35}]
    assert route("faq", 1.0, id_card, 0.21, 0.32, 0.15, text, capped_confidence=0.21) == "ask_where_to_apply"


def test_how_much_will_it_be_asks_the_fee_unless_a_word_of_time_follows() -> None:
    """«посвідка на тимчасове терміново скіко буде» at ask_processing_time 0.97: "how much will it be" is the price;
    «скільки буде робитись» is still the term."""
    assert precise_checklist_question("посвідка на тимчасове терміново скіко буде") == "ask_fee"
    assert precise_checklist_question("загран терміново, скільки це буде?") == "ask_fee"
    assert precise_checklist_question("urgent id card, how much will it be?") == "ask_fee"
    assert precise_checklist_question("скільки буде робитись айдішка") == "ask_processing_time"
    assert precise_checklist_question("скільки буде днів чекати загран") == "ask_processing_time"
    temporary = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 0, "end": 21}]
    text = "посвідка на тимчасове терміново скіко буде"
    assert route("ask_processing_time", 0.97, temporary, 0.34, 0.32, 0.15, text, 0.36) == "ask_fee"


def test_a_longer_message_asking_a_checklist_question_in_so_many_words_gets_the_checklist() -> None:
    """ "My TRP is ending in May, what do I need to bring to renew it??" and «синові виповнилось 14, ми хочемо зробити
    першу айді картку. що треба з собою взяти?» at faq 1.0: the story names the situation, the question asks for the
    list, and no entry is sure (the cap holds it under the answer threshold). Incidental words of a story are no such
    question: «документи на…», "which passport do I need", «на скільки років», a sure entry."""
    trp = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 7, "end": 10}]
    renew = "Hey! My TRP is ending in May, what do I need to bring to renew it, I am a student here in Kyiv??"
    assert route("faq", 1.0, trp, 0.45, 0.32, 0.15, renew, capped_confidence=0.3) == "ask_documents"
    assert route("faq", 1.0, trp, 0.45, 0.32, 0.15, renew, capped_confidence=0.45) == "faq"  # a sure entry
    assert route("faq", 1.0, [], 0.45, 0.32, 0.15, renew, capped_confidence=0.3) == "faq"  # no document named
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 47, "end": 57}]
    son = "добрий день, синові виповнилось 14, ми хочемо зробити першу айді картку. що треба з собою взяти?"
    assert route("faq", 1.0, id_card, 0.5, 0.32, 0.15, son, capped_confidence=0.3) == "ask_documents"
    wait = "здравствуйте. я пенсионер, в первый раз в жизни хочу за границу к внукам. сколько делается загранпаспорт"
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 90, "end": 103}]
    assert route("faq", 1.0, foreign, 0.5, 0.32, 0.15, wait, capped_confidence=0.3) == "ask_processing_time"
    refused = "бабусі не прийняли документи на закордонний онука, хоча він живе з нею вже три роки, чому так?"
    assert route("faq", 1.0, foreign, 0.5, 0.32, 0.15, refused, capped_confidence=0.3) == "faq"
    which = "Going to Poland for work next month, which passport I need, the ID card or the other one, please?"
    assert route("faq", 1.0, id_card, 0.5, 0.32, 0.15, which, capped_confidence=0.3) == "faq"
    valid = "мамі 70 років, на скільки років їй роблять айді картку, потім ще міняти доведеться чи ні?"
    assert route("faq", 1.0, id_card, 0.5, 0.32, 0.15, valid, capped_confidence=0.3) == "faq"
    permit = [{"entity": "doc_type", "value": "permanent_residence_permit", "start": 30, "end": 56}]
    short = "which papers are needed to get permanent residence permit in ukraine"
    assert route("faq", 0.5, permit, 0.45, 0.32, 0.15, short, capped_confidence=0.3) == "ask_documents"
    assert route("faq", 0.5, permit, 0.45, 0.32, 0.15, short, capped_confidence=0.45) == "faq"
    assert story_checklist_question("list of documents pls for TRP on work basis") == "ask_documents"
    assert story_checklist_question("how fast can i get my new ID card after name change") == "ask_processing_time"
    assert story_checklist_question("де в києві можна зробити загран, бажано на лівому березі") == "ask_where_to_apply"
    assert story_checklist_question("what are the documents for a TRP, my wife is Ukrainian") == "ask_documents"
    assert (
        story_checklist_question("документи на закордонний для тата, йому 70 і старий прострочений") == "ask_documents"
    )
    assert story_checklist_question("where do I renew my travel passport, I live in Lviv now") == "ask_where_to_apply"
    assert story_checklist_question("за скільки можна зробити айдішку, бо їду на навчання") == "ask_processing_time"
    assert story_checklist_question("подав документи на закордонний місяць тому, шо далі?") is None  # handed in
    assert story_checklist_question("якщо ціна зміниться доведеться доплачувати") is None


def test_a_short_request_for_a_bare_passport_starts_the_consultation() -> None:
    """«нада паспорт зробить» at help 0.84, «як отримати паспорт» at out_of_scope: the consultation, which asks which
    passport (the bare «паспорт» is dropped); not the menu, not out of scope. A sure entry, a named kind, a number
    or a story are not such a request."""
    bare = [{"entity": "doc_type", "value": "id_card", "start": 5, "end": 12}]
    assert route("help", 0.84, bare, 0.17, 0.32, 0.15, "нада паспорт зробить") == "start_consultation"
    assert route("out_of_scope", 0.98, [], 0.17, 0.32, 0.15, "як отримати паспорт") == "start_consultation"
    assert route("nlu_fallback", 0.5, [], 0.11, 0.32, 0.15, "how to get passport") == "start_consultation"
    # At a checklist question with no word of its kind (no place in «хочу зробити паспорт» at ask_where_to_apply).
    where = [{"entity": "doc_type", "value": "id_card", "start": 13, "end": 20}]
    assert route("ask_where_to_apply", 0.68, where, 0.18, 0.32, 0.15, "хочу зробити паспорт") == "start_consultation"
    assert route("help", 0.84, bare, 0.40, 0.32, 0.15, "нада паспорт зробить") == "faq"  # a sure entry answers
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 5, "end": 22}]
    assert route("help", 0.84, foreign, 0.17, 0.32, 0.15, "нада закордонний паспорт зробить") != "start_consultation"
    assert route("help", 0.95, [], 0.17, 0.32, 0.15, "що ти вмієш?") == "keep"  # no passport wanted
    story = "нада паспорт зробить а я зараз у Польщі і не знаю куди йти"
    assert route("help", 0.84, bare, 0.17, 0.32, 0.15, story) != "start_consultation"
    # A question DIET is sure the FAQ answers, with an entry worth offering: «did you mean», not «which passport?».
    married = [{"entity": "doc_type", "value": "id_card", "start": 32, "end": 39}]
    question = "вийшла заміж, коли треба міняти паспорт?"
    assert route("faq", 1.0, married, 0.3, 0.32, 0.15, question) == "faq"
    assert route("faq", 0.8, married, 0.3, 0.32, 0.15, question) == "start_consultation"  # DIET unsure
    assert route("faq", 1.0, married, 0.1, 0.32, 0.15, question) == "start_consultation"  # nothing to offer
    # Whether it may be done is no request: «did you mean» the entry on collecting by proxy, not «which passport?».
    proxy = "чи можна отримати паспорт за довіреністю"
    at = [{"entity": "doc_type", "value": "id_card", "start": 18, "end": 25}]
    assert route("start_consultation", 0.5, at, 0.3, 0.32, 0.15, proxy) == "faq"
    assert route("start_consultation", 0.5, at, 0.1, 0.32, 0.15, proxy) == "start_consultation"  # nothing to offer


def test_asking_to_be_reminded_of_expiry_is_the_reminder() -> None:
    """At track_document 0.74, "can you notify me when its time to renew my passport" is the expiry reminder; a
    readiness notice or a document number is still tracking, and «нагадайте скільки коштує…» is no reminder."""
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 44, "end": 52}]
    text = "can you notify me when its time to renew my passport"
    assert route("track_document", 0.74, foreign, 0.31, 0.32, 0.15, text) == "set_expiry_reminder"
    assert route("faq", 0.9, [], 0.3, 0.32, 0.15, "а бот вміє нагадувати, що строк паспорта закінчується?") == (
        "set_expiry_reminder"
    )
    assert route("track_document", 0.99, foreign, 0.2, 0.32, 0.15, "notify me when my passport is ready") == "keep"
    number = [{"entity": "document_number", "value": "FS341265", "start": 0, "end": 8}]
    assert route("track_document", 0.9, number, 0.2, 0.32, 0.15, "FS341265 remind me when it expires") == "keep"
    assert route("faq", 0.9, [], 0.3, 0.32, 0.15, "нагадайте скільки коштує заміна паспорта") != "set_expiry_reminder"


def test_another_checklist_question_asked_outright_replaces_diets_guess() -> None:
    """At ask_where_to_apply 1.0, "what do I need to apply for permanent residence permit in Ukraine" gets the
    documents list, which is what is asked; a question that asks both, or a long story, keeps DIET's guess."""
    permit = [{"entity": "doc_type", "value": "permanent_residence_permit", "start": 29, "end": 55}]
    text = "what do I need to apply for permanent residence permit in Ukraine"
    assert route("ask_where_to_apply", 1.0, permit, 0.3, 0.32, 0.15, text) == "ask_documents"
    both = "where to apply and what documents for permanent residence permit"
    assert route("ask_where_to_apply", 1.0, permit, 0.3, 0.32, 0.15, both) == "keep"
    assert route("ask_documents", 1.0, permit, 0.3, 0.32, 0.15, "permanent residence permit documents list") == "keep"


def test_answer_words_are_both_answers_without_placeholders(fixture_kb):
    faq = load_faq(fixture_kb)
    words = faq.answer_words()
    assert set(words) == set(faq.entries)
    for entry in faq.entries.values():
        assert "{fee:" not in words[entry.id] and "{term:" not in words[entry.id]
        assert entry.answer["en"].split()[0] in words[entry.id] and entry.answer["uk"].split()[0] in words[entry.id]


def test_the_suggested_close_call_lead_is_where_answers_become_reliable() -> None:
    """scripts/tune_faq.py's rule for close_call_lead: the lowest lead from which every 0.02 step of answered
    held-out questions is right at least 90 % of the time."""
    tune_faq = load_script("tune_faq")
    sure = (1.0, 1.0)  # best score and margin far above any answer threshold
    samples, leads = [], []
    for lead, right, wrong in ((0.03, 5, 5), (0.09, 8, 2), (0.13, 19, 1), (0.30, 40, 1)):
        for ok in [True] * right + [False] * wrong:
            samples.append((*sure, ok))
            leads.append(lead)
    calibration = Calibration()
    table = tune_faq.lead_table(samples, leads, [True] * len(samples), calibration, answer_threshold=0.5)
    assert table["suggested_close_call_lead"] == 0.10  # the step above the last one right only 80 % of the time
    # A question the embeddings disagree on is capped anyway: it does not count here.
    agreeing = [True] * len(samples) + [False] * 9
    table = tune_faq.lead_table(
        samples + [(*sure, False)] * 9, leads + [0.3] * 9, agreeing, calibration, answer_threshold=0.5
    )
    assert table["suggested_close_call_lead"] == 0.10


def test_short_questions_that_open_or_end_unusually_are_still_questions():
    """«до скількох працює міграційна» (DIET: a form answer) and «рнокпп це що» (DIET unsure: help) ask something
    the FAQ may answer or offer; a form value or a sure help request stays where DIET put it."""
    from nlu.faq_decision import asks, asks_or_defines

    assert asks("до скількох працює міграційна") and asks("з котрої години приймає цнап")
    assert not asks("до чоловіка в Польщу")  # a form answer (the residence ground)
    assert asks_or_defines("рнокпп це що") and asks_or_defines("УНЗР що це?") and asks_or_defines("що таке унзр")
    assert not asks_or_defines("рнокпп") and not asks_or_defines("мені 15, що")
    assert route("inform", 0.99, [], 0.17, 0.32, 0.15, "до скількох працює міграційна") == "faq"
    assert route("inform", 0.99, [], 0.17, 0.32, 0.15, "до чоловіка в Польщу") == "keep"
    assert route("help", 0.58, [], 0.27, 0.32, 0.15, "рнокпп це що") == "faq"
    assert route("help", 0.95, [], 0.27, 0.32, 0.15, "рнокпп це що") == "keep"  # DIET sure: the menu
    assert route("help", 0.58, [], 0.10, 0.32, 0.15, "рнокпп це що") == "keep"  # nothing to offer


def test_a_tracking_request_naming_a_bare_passport_stays_tracking():
    """«хочу відстежувати свій паспорт» wants to track, not a new passport (the consultation)."""
    passport = [{"entity": "doc_type", "value": "id_card", "start": 22, "end": 29}]
    text = "хочу відстежувати свій паспорт"
    assert route("track_document", 0.97, passport, 0.14, 0.32, 0.15, text) == "keep"
    wants = [{"entity": "doc_type", "value": "id_card", "start": 5, "end": 12}]
    assert route("help", 0.7, wants, 0.14, 0.32, 0.15, "хочу паспорт") == "start_consultation"


def test_handing_documents_in_is_no_request_for_the_list():
    """«чи можна подати документи на закордонний в консульстві» asks where, not which documents."""
    assert precise_checklist_question("чи можна подати документи на закордонний паспорт в консульстві") is None
    assert precise_checklist_question("де подати документи на айді") == "ask_where_to_apply"
    assert precise_checklist_question("документи на айді для сина") == "ask_documents"


def test_naming_ukraine_asks_for_no_place():
    """At ask_where_to_apply, "accredited in Ukraine, can I get a temporary residence permit" asks for no place:
    Ukraine is where everyone applies; abroad is a place worth the checklist's answer."""
    text = "i'm a foreign journalist accredited in ukraine, can i get a temporary residence permit"
    trp = {"entity": "doc_type", "value": "temporary_residence_permit"}

    def decide(place):
        entities = [trp, {"entity": "passport_issued_in", "value": place}]
        return route("ask_where_to_apply", 0.96, entities, 0.3, 0.32, 0.15, text, 0.36)

    assert decide("ukraine") == "faq"
    assert decide("abroad") == "keep"
    # DIET unsure of its checklist question, and the message asks another outright: that one.
    docs = [{"entity": "doc_type", "value": "permanent_residence_permit"}, {"entity": "location", "value": "ukraine"}]
    text = "documents for a permanent residence permit in Ukraine"
    assert route("ask_where_to_apply", 0.81, docs, 0.3, 0.32, 0.15, text, 0.36) == "ask_documents"


def test_a_checklist_question_asked_outright_stands_when_diet_is_unsure_of_it():
    """«скільки по времені оформляють айдішку» at ask_processing_time 0.66: the term for the ID card, not «did you
    mean» entries no one is sure of; a sure entry still answers."""
    id_card = [{"entity": "doc_type", "value": "id_card", "start": 30, "end": 37}]
    text = "скільки по времені оформляють айдішку"
    assert route("ask_processing_time", 0.66, id_card, 0.21, 0.32, 0.15, text) == "keep"
    assert route("ask_fee", 0.66, id_card, 0.21, 0.32, 0.15, text) == "ask_processing_time"
    assert route("ask_processing_time", 0.66, id_card, 0.5, 0.32, 0.15, text) == "faq"


def test_the_checklist_question_asked_in_other_words():
    """Term and place questions people ask without «скільки часу» or «де оформити»."""
    term = "ask_processing_time"
    assert precise_checklist_question("What's the turnaround time for a Ukrainian ID card in Kyiv?") == term
    assert precise_checklist_question("urgent ID card - how quick is it actually?") == term
    assert precise_checklist_question("temporary residence card production time pls") == term
    place = "ask_where_to_apply"
    assert precise_checklist_question("Яка установа видає закордонні паспорти?") == place
    assert precise_checklist_question("в каком учреждении делают айди карточку") == place
    assert precise_checklist_question("паспортний стіл де тепер айдішки роблять?") == place
    assert precise_checklist_question("Where in Kharkiv can I get an urgent zagran done?") == place
    assert precise_checklist_question("яка установа відповідає за реєстрацію місця проживання") is None


def test_a_document_number_beside_an_unsure_checklist_guess_is_tracking():
    """«чи вже зробили мою айдішку? подавала в цнап, номер картки 004518273» at ask_where_to_apply 0.67."""
    text = "чи вже зробили мою айдішку? подавала в цнап, номер картки 004518273"
    entities = [{"entity": "doc_type", "value": "id_card"}, {"entity": "document_number", "value": "004518273"}]
    assert route("ask_where_to_apply", 0.67, entities, 0.24, 0.32, 0.15, text) == "track_document"
    assert route("ask_where_to_apply", 0.67, entities[:1], 0.24, 0.32, 0.15, text) != "track_document"


def test_an_application_number_or_a_term_question_with_a_number_is_tracking():
    """A number the status check takes, or an application number (tracking then says which number it needs), beside a
    question no entry is sure of: the user asks about their own document."""
    text = "номер заявки 20250312000451 — що з моїм документом?"
    assert route("faq", 0.97, [], 0.16, 0.32, 0.15, text) == "track_document"
    assert route("faq", 0.97, [], 0.40, 0.32, 0.15, text) == "faq"  # an entry is sure of it
    # a date, a phone number or a tax number is no application number
    for other in ("подавала 2025-03-12, що з документом?", "мій номер 380501234567, що з документом?"):
        assert route("faq", 0.97, [], 0.16, 0.32, 0.15, other) == "faq"
    text = "hows my id card coming along 012345678"
    entities = [{"entity": "doc_type", "value": "id_card"}, {"entity": "document_number", "value": "012345678"}]
    assert route("ask_processing_time", 0.98, entities, 0.17, 0.32, 0.15, text) == "track_document"
    assert route("ask_processing_time", 0.98, entities[:1], 0.17, 0.32, 0.15, "how long does an id card take") == "keep"


def test_a_long_unsure_yes_or_menu_request_with_an_entry_to_offer_gets_the_entry():
    """«посвідка на тимчасове кончилась а я не продовжував, шо тепер буде» at affirm 0.53 is no yes; «ти реально
    від дмс чи так, лівий бот» at help 0.71 is no request for the menu. A sure one, a short one, one opening with
    a yes, and one with nothing to offer stay where DIET put them."""
    story = "посвідка на тимчасове кончилась а я не продовжував, шо тепер буде"
    assert route("affirm", 0.53, [], 0.27, 0.32, 0.15, story) == "faq"
    assert route("affirm", 0.95, [], 0.27, 0.32, 0.15, story) == "keep"
    assert route("affirm", 0.53, [], 0.10, 0.32, 0.15, story) == "keep"
    assert route("affirm", 0.53, [], 0.27, 0.32, 0.15, "так, а коли буде готово мій паспорт в цнапі") == "keep"
    assert route("affirm", 0.53, [], 0.27, 0.32, 0.15, "ну добре давай") == "keep"
    bot = "ти реально від дмс чи так, лівий бот"
    assert route("help", 0.71, [], 0.31, 0.32, 0.15, bot) == "faq"
    assert route("help", 0.95, [], 0.31, 0.32, 0.15, bot) == "keep"
    assert route("help", 0.71, [], 0.31, 0.32, 0.15, "меню") == "keep"


def _doc(text, surface, value="foreign_passport"):
    start = text.index(surface)
    return [{"entity": "doc_type", "value": value, "start": start, "end": start + len(surface)}]


@pytest.mark.parametrize(
    "text, surface, expected",
    [
        ("а закордонний?", "закордонний", "inform"),
        ("and for an ID card?", "ID card", "inform"),
        ("what about the foreign passport?", "foreign passport", "inform"),
        ("а закордонний скільки коштує?", "закордонний", None),  # a whole question: DIET's call
        ("а паспорт?", "паспорт", None),  # which passport? not a follow-up for the ID card
        ("what documents?", None, "ask_documents"),
        ("and the price?", None, "ask_fee"),
        ("how long?", None, "ask_processing_time"),
        ("а по врємєні?", None, "ask_processing_time"),
        ("а де його зробити?", None, "ask_where_to_apply"),
        ("дякую", None, None),
        ("а терміново?", None, "inform"),  # the urgency alone: the last fee or term answer again, urgent
        ("and the standard one?", None, "inform"),
        ("а терміново на закордонний?", "закордонний", "inform"),
        ("а швидко і дешево?", None, None),
        ("а на тимчасове?", None, "inform"),  # a residence permit by its kind alone
        ("and the temporary one?", None, "inform"),
        ("тимчасовий захист", None, None),  # temporary protection is no permit
        ("скільки коштує закордонний паспорт для дитини десяти років у Польщі", None, None),  # too long
        ("скільки коштує бензин", None, None),  # a question about something else
        ("де оформити пільги", None, None),
        ("за який час видають посвідку на постійне", None, None),  # a document the tagger missed
        ("how long does it take?", None, "ask_processing_time"),
        ("what do I need for a passport?", None, "ask_documents"),  # then «which passport?»
        ("які дokументи?", None, "ask_documents"),  # Latin letters inside: read as precise_checklist_question reads it
        ("що брати з собою?", None, "ask_documents"),  # DIET: faq 0.61, and «did you mean» unrelated entries
        ("шо брать с собой", None, "ask_documents"),
        ("what should I bring?", None, "ask_documents"),
        ("what happens if I bring my child late?", None, None),
        ("що брати з собою в поїздку до Польщі?", None, None),  # a trip, not an application
    ],
)
def test_conversation_fragments(text, surface, expected):
    assert follow_up(_doc(text, surface) if surface else [], text) == expected


def test_a_fragment_continues_the_conversation_unless_an_entry_is_sure():
    doc = _doc("а закордонний?", "закордонний")
    # DIET's «help» at 1.0 for «а закордонний?»: the document of a follow-up, not the menu.
    assert route("help", 1.0, doc, 0.12, 0.3, 0.2, text="а закордонний?") == "inform"
    assert route("nlu_fallback", 0.5, [], 0.12, 0.3, 0.2, text="what documents?") == "ask_documents"
    assert route("ask_fee", 0.8, [], 0.2, 0.3, 0.2, text="а скільки коштує?") == "keep"
    # a sure entry answers; a tracking or a form answer DIET heard is no fragment to reroute
    assert route("faq", 1.0, [], 0.5, 0.3, 0.2, text="how long?") == "faq"
    assert route("track_document", 0.95, [], 0.1, 0.3, 0.2, text="where?") == "keep"


@pytest.mark.parametrize(
    "text, value",
    [
        ("а терміново?", "urgent"),
        ("and urgently?", "urgent"),
        ("а якщо терміново, скільки буде?", "urgent"),
        ("а не срочно?", "standard"),  # negated
        ("а в звичайному порядку?", "standard"),
        ("what about the standard one?", "standard"),
        ("терміново чи звичайно?", None),  # both: nothing to choose
        ("терміново потрібна довідка ВПО", None),  # more than the urgency
        ("термін дії", None),  # «термін» is no urgency
        ("", None),
    ],
)
def test_urgency_named_alone(text, value):
    found = named_urgency(text)
    assert (found or {}).get("value") == value
    if found:
        assert text[found["start"] : found["end"]].lower().startswith(("терм", "urg", "срочн", "звич", "stand"))


def test_urgency_beside_a_document_keeps_its_position():
    text = "а терміново на закордонний?"
    found = fragment_entities(_doc(text, "закордонний"), text)
    assert found == [{"entity": "urgency", "value": "urgent", "start": 2, "end": 11}]
    assert fragment_entities([], text) == []  # the document's word is no filler
    assert fragment_entities([], "and the temporary one?")[0]["value"] == "temporary_residence_permit"


def test_an_urgency_fragment_is_a_form_answer_unless_an_entry_is_sure():
    assert route("faq", 0.5, [], 0.18, 0.32, 0.15, text="а терміново?") == "inform"
    assert route("nlu_fallback", 0.5, [], 0.07, 0.32, 0.15, text="and urgently?") == "inform"
    assert route("faq", 1.0, [], 0.6, 0.32, 0.15, text="а терміново?") == "faq"


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("де мій паспорт", "nlu_fallback", "track_document"),  # DIET: where to apply 0.53, under the fallback
        ("где мой загран", "inform", "track_document"),
        ("where is my residence permit", "ask_where_to_apply", "track_document"),
        ("де мій найближчий цнап", "nlu_fallback", None),  # a place, not a document
        ("де мій паспорт? я загубив його вчора у Варшаві", "faq", None),  # a story: the FAQ's call
        ("де мій паспорт", "deny", None),  # a no stays a no
    ],
)
def test_where_is_my_document_is_tracking(text, intent, expected):
    decision = route(intent, 0.5, [], 0.1, 0.32, 0.15, text=text)
    assert decision == expected if expected else decision != "track_document"


def test_what_can_you_do_is_the_menu():
    assert route("faq", 0.78, [], 0.23, 0.32, 0.15, text="а що ви вмієте?") == "help"  # not «did you mean» walk-ins
    assert route("nlu_fallback", 0.5, [], 0.1, 0.32, 0.15, text="what can you do") == "help"
    assert route("help", 1.0, [], 0.22, 0.32, 0.15, text="що ти вмієш") == "keep"
    assert route("faq", 1.0, [], 0.6, 0.32, 0.15, text="що ви можете порадити з посвідкою") == "faq"  # a sure entry


def test_a_what_to_do_question_that_names_its_document_is_no_confusion():
    trp = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 3, "end": 6}]
    # DIET: help 0.97; the entries on exchanging an expiring permit are worth offering.
    assert route("help", 0.97, trp, 0.29, 0.32, 0.15, text="my TRP expires next week what do I do") == "faq"
    assert route("help", 0.97, [], 0.29, 0.32, 0.15, text="я заплуталась, не розумію що робити") == "keep"


def test_a_residence_permit_named_by_its_kind_alone():
    assert named_residence_permit("а на постійне?")["value"] == "permanent_residence_permit"
    assert named_residence_permit("and the temporary one?") == {
        "entity": "doc_type",
        "value": "temporary_residence_permit",
        "start": 8,
        "end": 17,
    }
    assert named_residence_permit("а тимчасове і постійне?") is None  # both: nothing to choose


def test_the_words_pick_the_checklist_question_when_the_sure_entry_is_a_checklist_answer():
    """«скільки робиться айді картка» at ask_fee 0.86 (ask_processing_time 0.86 beside it) with the fee-list entry sure:
    the words ask how long; a sure entry no intent serves still answers."""
    text = "скільки робиться айді картка"
    card = _doc(text, "айді картка", "id_card")
    assert route("ask_fee", 0.86, card, 0.336, 0.32, 0.15, text, top_intent="ask_fee") == "ask_processing_time"
    assert route("ask_fee", 0.86, card, 0.336, 0.32, 0.15, text) == "faq"
    assert route("ask_fee", 0.95, card, 0.336, 0.32, 0.15, text, top_intent="ask_fee") == "ask_processing_time"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("👍", "affirm"),
        ("👍🏻👍🏻", "affirm"),
        ("👌!", "affirm"),
        ("🙏", "thank"),
        ("❤️", "thank"),
        ("🤔", None),
        ("👍 а скільки?", None),
    ],
)
def test_a_reaction_emoji_is_a_yes_or_a_thanks(text, expected):
    """«👍» after an answer (DIET: out_of_scope 1.0) is an «ок»; a puzzled face or words beside the emoji are not."""
    assert reaction(text) == expected
    if expected:
        assert route("out_of_scope", 1.0, [], 0.05, 0.32, 0.15, text) == expected
        assert route(expected, 0.99, [], 0.05, 0.32, 0.15, text) == "keep"


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("???", "contact_human", "nlu_fallback"),  # DIET 1.0: the contacts in the middle of a form
        ("...", "out_of_scope", "nlu_fallback"),
        ("🐸", "greet", "nlu_fallback"),
        ("🤔", "nlu_fallback", "keep"),
        ("👎", "deny", "keep"),  # learnt as a no
        ("👍", "out_of_scope", "affirm"),  # a reaction first
        ("?!", "inform", "nlu_fallback"),
        ("1545?", "contact_human", "keep"),  # a number is a word
    ],
)
def test_a_message_with_no_word_is_not_understood(text, intent, expected):
    assert route(intent, 1.0, [], 0.05, 0.32, 0.15, text) == expected


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        ("faq", "перевірте будь ласка чи готова моя айді картка", "track_document"),
        ("track_document", "чи готова вже моя айді картка", "keep"),
        ("faq", "проверить готовность загранпаспорта", "track_document"),
        ("faq", "can you check my passport application status?", "track_document"),
        ("faq", "де мій паспорт?? подавала 3 тижні тому і тиша, вже нерви здають", "track_document"),
        ("faq", "is my TRP card ready? applied on 3rd of march", "track_document"),
        ("faq", "any news on my posvidka? submitted in March", "track_document"),
        ("faq", "є якісь новини по моїй айдішці?", "track_document"),
        # having applied, the document has not come, or what its status is now
        ("nlu_fallback", "здавала на айді картка ще у вересні, а її досі нема", "track_document"),
        ("faq", "подавав на айді картка два тижні тому, який в неї зараз статус?", "track_document"),
        ("faq", "подавав на айді картка, який статус означає що можна забирати?", "faq"),  # what a status means
        # how checking works, and a lost passport, are FAQ questions
        ("faq", "як перевірити чи готова моя айді картка", "faq"),
        ("faq", "де мій паспорт? я загубив його вчора у Варшаві", "faq"),
        # when it will be ready, having applied («did you mean» entries on Дія's notifications before)
        ("faq", "коли буде готовий мій паспорт я подавав 2 тижні тому", "track_document"),
        ("faq", "когда будет готов загран, подавала в цнап 10 дней назад", "track_document"),
    ],
)
def test_asking_whether_my_document_is_ready_is_tracking(intent, text, expected):
    """No entry sure, and the user asks whether their own document is ready (or where it is, having applied)."""
    named = [w for w in ("айді картка", "загранпаспорта") if w in text]
    card = _doc(text, named[0], "id_card") if named else []
    assert route(intent, 0.68, card, 0.25, 0.32, 0.15, text, runner_up="track_document") == expected


def test_help_naming_a_document_is_a_question():
    """«я загубив закордонний тут в україні не знаю де з чого почати» at help 0.96: the steps, not the menu."""
    text = "я загубив закордонний тут в україні не знаю де з чого почати щоб зробити новий"
    assert route("help", 0.96, _doc(text, "закордонний"), 0.3, 0.32, 0.15, text) == "faq"
    assert route("help", 0.96, [], 0.3, 0.32, 0.15, "я заплуталась, не розумію що робити") == "keep"


@pytest.mark.parametrize(
    "text, expected",
    [("сколько стоит срочный загран???", "ask_fee"), ("а терміново на закордонний?", "inform")],
)
def test_a_whole_question_with_an_urgency_is_no_fragment(text, expected):
    surface = "загран" if "загран" in text else "закордонний"
    assert follow_up(_doc(text, surface), text) == expected


@pytest.mark.parametrize(
    "text, surface, expected",
    [
        ("а якщо мені 16?", "16", "inform"),
        ("а дитині 10 років?", "10", "inform"),
        ("and for a 5 year old?", "5", "inform"),
        ("а якщо мені 16 і я в польщі?", "16", None),  # more than an age: DIET and the FAQ decide
        ("мені 16 чи можна самому подавати", "16", None),
    ],
)
def test_an_age_named_alone_continues_the_answer(text, surface, expected):
    """After a fee or term answer, «а якщо мені 16?» (DIET: a fallback) is a form answer: the answer comes again for
    that age."""
    start = text.index(surface)
    age = [{"entity": "age", "value": surface, "start": start, "end": start + len(surface)}]
    assert follow_up(age, text) == expected
    if expected:
        assert route("nlu_fallback", 0.5, age, 0.07, 0.32, 0.15, text) == expected


def test_a_long_number_alone_is_tracking():
    """«12345» at out_of_scope (or tracking): a mistyped document number, explained by tracking, never «не допоможу»;
    a form answer («200» at the age question) stays one."""
    assert route("out_of_scope", 0.9, [], 0.05, 0.32, 0.15, "12345") == "track_document"
    assert route("track_document", 0.8, [], 0.05, 0.32, 0.15, "12345") == "keep"
    assert route("inform", 0.9, [], 0.05, 0.32, 0.15, "12345") == "keep"
    assert route("out_of_scope", 0.9, [], 0.05, 0.32, 0.15, "200") == "inform"


@pytest.mark.parametrize(
    "text",
    [
        "чи прийде сповіщення в дію коли паспорт буде готовий",
        "Дия пришлёт уведомление когда паспорт будет готов?",
        "як перевірити чи готовий мій паспорт на сайті",
        "is there a website where I can see my application status",
    ],
)
def test_how_dia_or_the_site_tell_the_status_is_a_question_not_a_tracking_request(text):
    """DIET hears tracking at 0.9-0.97 in a question about Дія's messages or the DMS site: the entry answers it (and
    offers the bot's subscription); a number, or an entry the tracking itself serves, keeps tracking."""
    assert route("track_document", 0.97, [], 0.3, 0.32, 0.15, text) == "faq"
    assert route("track_document", 0.97, [], 0.3, 0.32, 0.15, text, top_intent="track_document") == "keep"
    assert route("track_document", 0.97, [], 0.1, 0.32, 0.15, text) == "keep"  # no entry to offer
    number = [{"entity": "document_number", "value": "004518273", "start": 0, "end": 9}]
    assert route("track_document", 0.97, number, 0.3, 0.32, 0.15, "004518273 " + text) == "keep"
    assert route("track_document", 0.97, [], 0.3, 0.32, 0.15, "відстежуйте мою заяву будь ласка") == "keep"


def test_not_knowing_where_to_begin_with_a_named_document_asks_for_the_steps():
    """«я загубив закордонний… не знаю з чого почати» at ask_where_to_apply 0.97: the steps first (or «did you mean»
    them); without a document, «не знаю з чого почати» is a request for the consultation."""
    text = "я загубив закордонний тут в україні не знаю де з чого почати щоб зробити новий"
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 10, "end": 21}]
    assert route("ask_where_to_apply", 0.97, foreign, 0.3, 0.32, 0.15, text) == "faq"
    plain = "проконсультуйте мене покроково будь ласка не знаю з чого почати"
    assert route("start_consultation", 0.97, [], 0.2, 0.32, 0.15, plain) == "keep"


def test_a_question_after_a_greeting_is_no_greeting():
    """DIET hears greet in «добрий вечір, … підкажіть де у вінниці оформлюють посвідку…»: the question is routed
    (the checklist question if asked outright, else the FAQ); «добрий вечір» or "thanks, bye" alone stay small talk."""
    text = "добрий вечір, мій наречений з нігерії. підкажіть де у вінниці оформлюють посвідку на тимчасове проживання"
    permit = _doc(text, "посвідку на тимчасове проживання", "temporary_residence_permit")
    assert route("greet", 0.9, permit, 0.2, 0.32, 0.15, text) == "faq"
    short = "добрий вечір, де оформлюють посвідку на тимчасове"
    permit = _doc(short, "посвідку на тимчасове", "temporary_residence_permit")
    assert route("greet", 0.9, permit, 0.2, 0.32, 0.15, short) == "ask_where_to_apply"
    assert route("greet", 0.99, [], 0.1, 0.32, 0.15, "добрий вечір") == "keep"
    assert route("thank", 0.99, [], 0.1, 0.32, 0.15, "дуже дякую, ви мені допомогли") == "keep"


def test_requests_to_the_bot_itself_go_to_its_actions() -> None:
    """Asked of the bot at faq (DIET) with only «did you mean» entries: notify me when it is ready (tracking), stop
    the messages (unsubscribe), warn me before it ends (the reminder), what can I ask (the menu). The same words
    about someone else («will they notify me»), about Дія, or asking how stay where they were."""
    trp = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 28, "end": 45}]
    ready = "can you let me know when my residence permit is ready? applied 3 weeks ago"
    assert route("faq", 1.0, trp, 0.45, 0.32, 0.15, ready) == "track_document"
    assert route("faq", 1.0, [], 0.3, 0.32, 0.15, "повідомте мені, коли мій паспорт буде готовий") == "track_document"
    follow = "follow my international passport application and ping me when something changes"
    assert route("faq", 1.0, DOC, 0.3, 0.32, 0.15, follow) == "track_document"
    they = "Applied for zagran at DP Document in Berlin. Will they notify me when it is ready or I must check myself?"
    assert route("faq", 1.0, DOC, 0.3, 0.32, 0.15, they) == "faq"
    diia = "can you let me know in Diia when my passport is ready?"
    assert route("faq", 1.0, DOC, 0.3, 0.32, 0.15, diia) == "faq"
    how = "how do I track my passport application online"
    assert route("faq", 1.0, DOC, 0.3, 0.32, 0.15, how) == "faq"
    for stop in ("I dont want to get messages about my passport anymore", "не хочу більше отримувати повідомлення"):
        assert route("faq", 0.83, [], 0.18, 0.32, 0.15, stop) == "unsubscribe"
    number = [{"entity": "document_number", "value": "FT123456", "start": 0, "end": 8}]
    # The unsubscribe action takes the number: that subscription only.
    assert route("track_document", 0.9, number, 0.18, 0.32, 0.15, "FT123456 no more messages please") == "unsubscribe"
    # «підпишіть» is one letter from «відпишіть»: a word of subscribing with none of stopping is tracking.
    for subscribe in ("підпишіть мене на сповіщення про готовність документа", "subscribe me to my passport updates"):
        assert route("unsubscribe", 0.67, [], 0.18, 0.32, 0.15, subscribe) == "track_document"
    for stop in ("відпишіть мене від сповіщень", "підписку скасуйте, не треба більше", "don't subscribe me anymore"):
        assert route("unsubscribe", 0.67, [], 0.18, 0.32, 0.15, stop) == "keep"
    # Asking for the deletion outright is the request, even when the privacy entry is sure of the message.
    delete = "please delete all my data, i dont want you to store my passport number"
    assert route("faq", 0.74, [], 0.41, 0.32, 0.15, delete) == "delete_my_data"
    assert route("faq", 0.9, [], 0.41, 0.32, 0.15, "забудь мене, видаліть усе") == "delete_my_data"
    for question in ("як видалити мої дані з бота?", "forget it, how much is a zagran?"):
        assert route("faq", 0.9, [], 0.41, 0.32, 0.15, question) == "faq"
    # "what questions can I ask you?" at help: the menu, even with an entry sure of something about the bot.
    assert route("help", 0.92, [], 0.37, 0.32, 0.15, "what questions can I ask you?") == "keep"
    warn = "I always forget dates. Can you warn me when my residence permit is about to end?"
    assert route("faq", 1.0, trp, 0.24, 0.32, 0.15, warn) == "set_expiry_reminder"
    menu = "how does this bot work, what kind of stuff can I ask?"
    assert route("faq", 1.0, [], 0.23, 0.32, 0.15, menu) == "help"
    assert route("faq", 1.0, [], 0.40, 0.32, 0.15, menu) == "faq"  # an entry sure of it answers
    assert route("faq", 1.0, [], 0.23, 0.32, 0.15, "що можна запитати в цього бота?") == "help"


def test_a_question_fragment_at_an_unsure_consultation_guess_is_that_question() -> None:
    """ "what documents do I need?" after a TRP conversation, DIET: start_consultation 0.59 = faq 0.59: the documents
    of the conversation's document (or «which document?»), not «did you mean» unrelated entries. A sure
    «консультація» or a document named alone still starts the consultation."""
    question = "what documents do I need?"
    assert route("start_consultation", 0.59, [], 0.16, 0.32, 0.15, question, runner_up="faq") == "ask_documents"
    assert route("start_consultation", 0.95, [], 0.16, 0.32, 0.15, question) == "keep"
    assert route("start_consultation", 0.6, DOC, 0.16, 0.32, 0.15, "закордонний паспорт") == "keep"


def test_asking_to_be_walked_through_ones_paperwork_is_the_consultation() -> None:
    """«розпиши по пунктах, що мені робити», "give me a to-do list for my paperwork": the consultation, which asks
    step by step, not «did you mean» entries; a how-to question in the same words asks for an entry's steps."""
    todo = "Could you make me a to-do list for my documents? I'm lost"
    assert route("faq", 0.9, [], 0.2, 0.32, 0.15, todo) == "start_consultation"
    assert route("faq", 0.9, [], 0.4, 0.32, 0.15, todo) == "faq"  # a sure entry answers first
    steps = "я вже заплутався з документами, розпиши мені по пунктах шо робити"
    assert route("start_consultation", 0.99, [], 0.2, 0.32, 0.15, steps) == "keep"
    assert route("nlu_fallback", 0.4, [], 0.1, 0.32, 0.15, "проведіть мене по кроках, бо нічого не розумію") == (
        "start_consultation"
    )
    how = "explain step by step how to book a slot in the e-queue"
    assert route("faq", 0.9, [], 0.2, 0.32, 0.15, how) == "faq"


def test_whether_something_may_be_done_is_no_checklist_question() -> None:
    """«можна зробити закордонний за 3 дні, скільки це коштує» at ask_fee 0.99, «…в 16 треба міняти. Це правда?» at
    ask_documents 1.0: whether it may be done (or is true) is asked too, and an entry about the document is as sure as
    an answer needs; a place or a term asked with «можна» keeps the checklist."""
    foreign = [{"entity": "doc_type", "value": "foreign_passport", "start": 13, "end": 23}]
    docs = ["foreign_passport"]
    three = "можна зробити закордонний за 3 дні, скільки це коштує"
    assert route("ask_fee", 0.99, foreign, 0.35, 0.32, 0.15, three, top_documents=docs) == "faq"
    assert route("ask_fee", 0.99, foreign, 0.30, 0.32, 0.15, three, top_documents=docs) == "keep"  # no entry sure
    assert route("ask_fee", 0.99, foreign, 0.35, 0.32, 0.15, three, top_documents=["id_card"]) == "keep"
    where = "де можна зробити закордонний у львові"
    assert route("ask_where_to_apply", 0.99, foreign, 0.35, 0.32, 0.15, where, top_documents=docs) == "keep"
    card = [{"entity": "doc_type", "value": "id_card", "start": 16, "end": 20}]
    listed = "можна список документів на айді?"
    assert route("ask_documents", 1.0, card, 0.35, 0.32, 0.15, listed, top_documents=["id_card"]) == "keep"
    true = "доньці зробили айді в 14, кажуть у 16 треба міняти документи, це правда?"
    assert route("ask_documents", 1.0, card, 0.35, 0.32, 0.15, true, top_documents=["id_card"]) == "faq"


def test_my_subscriptions_needs_a_word_of_them() -> None:
    """«подавала на загран у маріуполі, підрозділу більше нема, що з моєю заявою» at my_subscriptions 0.86 asks about
    an application, not for the list of subscriptions: the entry is offered."""
    closed = "подавала на загран у маріуполі в лютому 22го, підрозділу більше нема, що з моєю заявою"
    assert route("my_subscriptions", 0.86, [], 0.23, 0.32, 0.15, closed) == "faq"
    assert route("my_subscriptions", 0.86, [], 0.05, 0.32, 0.15, closed) == "keep"  # nothing to offer instead
    for text in ("які в мене підписки", "що я відстежую", "what documents am I getting updates about"):
        assert route("my_subscriptions", 0.95, [], 0.23, 0.32, 0.15, text) == "keep"


def _named(text, surface, value):
    start = text.index(surface)
    return [{"entity": "doc_type", "value": value, "start": start, "end": start + len(surface)}]


@pytest.mark.parametrize(
    "text, surface, value, expected",
    [
        # DIET: faq 0.97, and «did you mean» entries on newborns and 3-day passports
        ("I want a passport for travel abroad", "passport for travel abroad", "foreign_passport", "start_consultation"),
        (
            "хочу оформити посвідку на постійне",
            "посвідку на постійне",
            "permanent_residence_permit",
            "start_consultation",
        ),
        ("мне нужен загранпаспорт", "загранпаспорт", "foreign_passport", "start_consultation"),
        ("I'd like an ID card for my son", "ID card", "id_card", "start_consultation"),
        ("I need to know the price of a foreign passport", "foreign passport", "foreign_passport", "ask_fee"),
        ("хочу дізнатися про закордонний для сина", "закордонний", "foreign_passport", "faq"),  # a wish to know
        (
            "I want a passport for travel abroad, can I get it in 3 days?",
            "passport for travel abroad",
            "foreign_passport",
            "faq",
        ),
    ],
)
def test_a_wish_naming_its_document_is_the_consultation(text, surface, value, expected):
    assert route("faq", 0.97, _named(text, surface, value), 0.22, 0.32, 0.15, text, 0.36, [value]) == expected
    if expected == "start_consultation":
        # DIET's tie: ask_fee 0.97 = faq, with no word of a fee
        assert route("ask_fee", 0.97, _named(text, surface, value), 0.22, 0.32, 0.15, text, 0.36, [value]) == expected


def test_a_short_question_about_ones_own_document_is_looked_up_even_beside_a_sure_entry():
    permit = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 6, "end": 23}]
    assert route("faq", 1.0, permit, 0.9, 0.32, 0.15, "is my residence permit ready?") == "track_document"
    # How checking works is the entry's answer, however sure.
    text = "how do I check online if my residence permit is ready"
    assert route("faq", 1.0, permit, 0.9, 0.32, 0.15, text) == "faq"


def test_a_permit_named_as_the_condition_of_another_document_is_no_checklist_question():
    permit = [{"entity": "doc_type", "value": "temporary_residence_permit", "start": 33, "end": 36}]
    text = "где получить гражданство украины с внж"
    assert route("faq", 1.0, permit, 0.29, 0.32, 0.15, text, capped_confidence=0.29) == "faq"
    assert route("ask_documents", 0.93, permit, 0.34, 0.32, 0.15, "do I need a visa to apply for a TRP") == "faq"
    # The permit's own offices are still its checklist question.
    assert (
        route("faq", 1.0, permit, 0.29, 0.32, 0.15, "где получить внж", capped_confidence=0.29) == "ask_where_to_apply"
    )


def test_a_question_about_knowing_a_language_is_no_switch():
    language = [{"entity": "language", "value": "uk", "start": 13, "end": 22}]
    text = "need to know ukrainian language?"
    assert route("set_language", 0.99, language, 0.3, 0.32, 0.15, text) == "faq"
    assert route("faq", 0.6, language, 0.3, 0.32, 0.15, "треба знати українську мову?") == "faq"
    # Not knowing it asks for another language; a bare request switches.
    assert route("set_language", 0.99, language, 0.3, 0.32, 0.15, "i don't know ukrainian") == "keep"
    assert route("faq", 0.6, language, 0.1, 0.32, 0.15, "ukrainian please") == "set_language"


def test_how_long_a_document_is_valid_is_no_processing_time_question():
    permit = [{"entity": "doc_type", "value": "permanent_residence_permit", "start": 9, "end": 27}]
    text = "how long permanent residence valid"
    assert route("ask_processing_time", 0.99, permit, 0.5, 0.32, 0.15, text, capped_confidence=0.5) == "faq"
    assert route("ask_processing_time", 0.99, permit, 0.5, 0.32, 0.15, "скільки діє посвідка на постійне") == "faq"


def test_the_language_question_beats_the_switch_entry_and_a_visa_beats_the_fragment():
    # The first entry is the one the switch serves, which would keep DIET's switch; the question still goes to the FAQ.
    text = "need to know ukrainian language?"
    assert route("set_language", 0.95, [], 0.27, 0.32, 0.15, text, top_intent="set_language") == "faq"
    # "what visa i need" at out_of_scope after a permit answer: the visa entries, not the permit's documents.
    assert route("out_of_scope", 0.9, [], 0.24, 0.32, 0.15, "what visa i need") == "faq"


def test_a_wish_for_a_document_after_who_and_where_starts_the_consultation():
    text = "чоловік 40 років я в польщі хочу загран"
    ents = [{"entity": "doc_type", "value": "foreign_passport", "start": 33, "end": 39}]
    assert route("ask_documents", 0.81, ents, 0.3, 0.32, 0.15, text) == "start_consultation"


def test_a_sure_faq_question_no_entry_fits_well_is_no_out_of_scope_question():
    # "insurance is must?" after a study permit answer: DIET sure of `faq`, the retriever barely has an entry.
    assert route("faq", 1.0, [], 0.14, 0.32, 0.15, "insurance is must?", runner_up="out_of_scope") == "faq"
    # An unsure one still gives way («де мій паспорт?»: tracking).
    assert route("faq", 0.6, [], 0.05, 0.32, 0.15, "де мій паспорт?", runner_up="track_document") == "track_document"
