"""The checklist engine over the real knowledge base: documents × circumstances from the facts file."""

import datetime as dt

import pytest

from kbengine import load_knowledge_base
from kbengine.render import UNCONFIRMED_PREFIX, render_checklist, render_fees

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def ids(facts):
    return {f.id for f in facts}


# (doc_type, answers, must include, must exclude)
SCENARIOS = [
    # ID-card, first time at 14: birth certificate, parents' documents, no payment
    (
        "id_card",
        dict(reason="first_issue", age=14, idp=False, location="ukraine"),
        {"birth_certificate", "parents_documents", "application_form"},
        {"payment", "idp_certificate", "old_passport"},
    ),
    # ... and an IDP adds the IDP certificate
    (
        "id_card",
        dict(reason="first_issue", age=14, idp=True, location="ukraine"),
        {"idp_certificate", "birth_certificate"},
        {"payment"},
    ),
    # 16-year-old, abroad
    (
        "id_card",
        dict(reason="first_issue", age=16, idp=False, location="abroad"),
        {"birth_certificate"},
        {"payment", "idp_certificate"},
    ),
    (
        "id_card",
        dict(reason="lost", location="ukraine", passport_issued_in="ukraine"),
        {"loss_statement", "payment", "foreign_passport_if_any"},
        {"police_extract", "birth_certificate", "old_passport"},
    ),
    (
        "id_card",
        dict(reason="stolen", location="ukraine", passport_issued_in="ukraine"),
        {"loss_statement", "police_extract", "payment"},
        {"old_passport"},
    ),
    (
        "id_card",
        dict(reason="name_change", location="ukraine"),
        {"old_passport", "change_documents", "payment", "residence_extract"},
        {"loss_statement"},
    ),
    (
        "id_card",
        dict(reason="data_error", location="ukraine"),
        {"old_passport", "correct_data_documents"},
        {"change_documents"},
    ),
    ("id_card", dict(reason="expired", location="ukraine"), {"old_passport", "payment"}, {"change_documents"}),
    (
        "id_card",
        dict(reason="booklet_exchange", location="ukraine", passport_issued_in="occupied_territory"),
        {"old_passport", "occupied_extra_id", "payment"},
        {"loss_statement"},
    ),
    (
        "id_card",
        dict(reason="damaged", location="abroad", age=40, sex="female", passport_issued_in="ukraine"),
        {"old_passport", "payment"},
        {"occupied_extra_id"},
    ),
    # foreign passport: child under 12, 12-13, 14-15, adult; abroad; lost abroad
    (
        "foreign_passport",
        dict(reason="first_issue", age=5, location="ukraine"),
        {"birth_certificate", "parent_documents", "child_photo", "citizenship_registration"},
        {"internal_passport"},
    ),
    (
        "foreign_passport",
        dict(reason="first_issue", age=12, location="ukraine"),
        {"birth_certificate", "parent_documents"},
        {"child_photo", "internal_passport"},
    ),
    # from 14 the teenager applies personally: no parent's documents
    (
        "foreign_passport",
        dict(reason="first_issue", age=15, location="ukraine"),
        {"internal_passport"},
        {"birth_certificate", "child_photo", "parent_documents"},
    ),
    (
        "foreign_passport",
        dict(reason="first_issue", age=13, location="ukraine"),
        {"birth_certificate", "parent_documents"},
        {"internal_passport"},
    ),
    (
        "foreign_passport",
        dict(reason="expired", age=30, location="ukraine"),
        {"internal_passport", "previous_passports", "payment"},
        {"parent_documents", "stay_abroad_proof"},
    ),
    (
        "foreign_passport",
        dict(reason="lost", age=30, location="abroad", sex="female"),
        {"police_report_abroad", "stay_abroad_proof"},
        {"previous_passports"},
    ),
    (
        "foreign_passport",
        dict(reason="stolen", age=40, location="ukraine"),
        {"internal_passport"},
        {"police_report_abroad"},
    ),
    # residence permits by ground
    (
        "temporary_residence_permit",
        dict(residence_ground="employment", reason="first_issue"),
        {"passport_visa", "translation", "work_permit"},
        {"study_petition", "family_petition", "old_permit"},
    ),
    (
        "temporary_residence_permit",
        dict(residence_ground="study", reason="first_issue"),
        {"study_petition", "study_insurance"},
        {"work_permit"},
    ),
    (
        "temporary_residence_permit",
        dict(residence_ground="family_reunification", reason="expired"),
        {"family_petition", "marriage_certificate", "spouse_passport", "old_permit"},
        {"work_permit"},
    ),
    (
        "permanent_residence_permit",
        dict(residence_ground="immigration_permit", reason="first_issue"),
        {"immigration_decision", "passport_visa", "payment"},
        {"old_permit"},
    ),
    (
        "permanent_residence_permit",
        dict(residence_ground="immigration_permit", reason="damaged"),
        {"immigration_decision", "old_permit"},
        set(),
    ),
]


@pytest.mark.parametrize("doc_type,answers,included,excluded", SCENARIOS)
def test_checklist_scenarios(kb, doc_type, answers, included, excluded):
    assert kb.missing_slots(doc_type, answers) == [], "scenario must answer every question that applies"
    result = kb.compose(doc_type, answers, TODAY)
    assert not result.stopped
    got = ids(result.checklist)
    assert included <= got, f"missing {included - got}"
    assert not (excluded & got), f"unexpected {excluded & got}"


def test_id_card_under_14_stops_with_explanation(kb):
    result = kb.compose("id_card", dict(reason="first_issue", age=13, idp=False, location="ukraine"), TODAY)
    assert result.stopped and result.checklist == []
    assert ids(result.notices) == {"id_from_14"}
    assert "14 років" in render_checklist(result, kb)


def test_questions_depend_on_answers(kb):
    assert kb.missing_slots("id_card", {}) == ["reason", "location"]
    assert kb.missing_slots("id_card", {"reason": "first_issue"}) == ["age", "idp", "location"]
    assert kb.missing_slots("id_card", {"reason": "stolen"}) == ["location", "passport_issued_in"]
    assert kb.missing_slots("foreign_passport", {"reason": "lost"}) == ["age", "location"]
    assert kb.missing_slots("temporary_residence_permit", {}) == ["residence_ground", "reason"]
    assert kb.missing_slots(None, {}) == ["doc_type"]


def test_irrelevant_answers_are_ignored(kb):
    # An age typed in passing does not change an expiry exchange, and is not shown back.
    result = kb.compose("id_card", dict(reason="expired", location="ukraine", age=40, idp=True), TODAY)
    assert "age" not in result.answers and "idp" not in result.answers


def test_document_options_restrict_question(kb):
    options = {o.value for o in kb.question_for("reason", "foreign_passport").options}
    assert "booklet_exchange" not in options and "stolen" in options
    grounds = {o.value for o in kb.question_for("residence_ground", "permanent_residence_permit").options}
    assert grounds == {"immigration_permit", "other"}


@pytest.mark.parametrize(
    "today,standard,urgent",
    [
        (dt.date(2021, 6, 1), 345, 471),
        (dt.date(2022, 11, 1), 450, 820),
        (dt.date(2025, 12, 31), 558, 928),
        (dt.date(2026, 1, 1), 618, 988),
        (TODAY, 618, 988),
    ],
)
def test_fee_in_force_on_the_day(kb, today, standard, urgent):
    lines = {l.fee_id: l for l in kb.fees("id_card", {"reason": "expired"}, today)}
    assert lines["standard"].amount_uah == standard
    assert lines["urgent"].amount_uah == urgent
    assert "first_issue_free" not in lines


def test_first_issue_is_free_and_urgency_filter(kb):
    lines = kb.fees("id_card", {"reason": "first_issue"}, TODAY)
    assert [l.amount_uah for l in lines] == [0]
    urgent = kb.fees("id_card", {}, TODAY, urgency="urgent")
    # «а якщо терміново?» with no loss said: the urgent price alone, not the duty a loss may add.
    assert {l.fee_id for l in urgent} == {"urgent"}
    lost_urgent = kb.fees("id_card", {"reason": "lost"}, TODAY, urgency="urgent")
    assert {l.fee_id for l in lost_urgent} == {"urgent", "lost_state_duty"}


def test_unconfirmed_facts_are_never_stated_as_certain(kb):
    result = kb.compose("id_card", dict(reason="first_issue", age=14, idp=False, location="ukraine"), TODAY)
    text = render_checklist(result, kb)
    notice = next(n for n in result.notices if n.id == "parent_presence_14_15")
    assert notice.unconfirmed
    assert f"{UNCONFIRMED_PREFIX}{notice.text}" in text
    duty = render_fees(kb, kb.document("id_card"), {"reason": "lost"}, TODAY)
    assert f"{UNCONFIRMED_PREFIX}державне мито" in duty
    assert f"{UNCONFIRMED_PREFIX}звичайне" not in duty


def _answer_space(kb, doc_type):
    """Every combination of answers the consultation can reach for a document (ages at the band edges)."""
    doc = kb.document(doc_type)
    ages = sorted({v for _, v in doc.age_buttons} | {0, 11, 12, 13, 14, 15, 16, 17, 18, 60, 65, 120})
    frontier = [{}]
    done = []
    while frontier:
        answers = frontier.pop()
        missing = kb.missing_slots(doc_type, answers)
        if not missing:
            done.append(answers)
            continue
        question = kb.question_for(missing[0], doc_type)
        values = ages if question.type == "number" else [o.value for o in question.options]
        frontier.extend({**answers, missing[0]: v} for v in values)
    return done


@pytest.mark.parametrize(
    "doc_type", ["id_card", "foreign_passport", "temporary_residence_permit", "permanent_residence_permit"]
)
def test_every_reachable_combination_composes(kb, doc_type):
    combos = _answer_space(kb, doc_type)
    assert len(combos) >= 2
    for answers in combos:
        result = kb.compose(doc_type, answers, TODAY)
        text = render_checklist(result, kb)
        assert "Джерела" in text
        if result.stopped:
            assert result.notices
            continue
        assert result.checklist, answers
        assert result.fees, f"no fee in force for {answers}"
        assert result.places and result.processing_times, answers
        for fact in [*result.checklist, *result.notices, *result.places, *result.processing_times]:
            assert fact.source.url.startswith("http") and fact.source.as_of <= TODAY


@pytest.mark.parametrize("lang,free", [("uk", "безкоштовно"), ("en", "free of charge")])
def test_stateless_first_permit_exemption_is_beside_the_fee(kb, lang, free):
    # «я лицо без гражданства… сколько стоит посвидка»: the fee answer itself says the service and blank are free,
    # unhedged (the exemption is confirmed, the 2022 total is not) and with its own source.
    doc = kb.document("temporary_residence_permit")
    exemption_source = "https://sud.ua/ru/news/ukraine/351184-"
    for answers in ({}, {"reason": "first_issue"}):
        text = render_fees(kb, doc, answers, TODAY, lang=lang)
        line = next(l for l in text.splitlines() if "stateless" in l or "без громадянства" in l)
        assert line.startswith("• ") and free in line and "(" in line
        assert not line.startswith(f"• {UNCONFIRMED_PREFIX}") and "As far as we know" not in line
        number = line.rsplit("[", 1)[1].rstrip("]")
        assert any(s.startswith(f"[{number}] {exemption_source}") for s in text.splitlines())
    assert "без громадянства" not in render_fees(kb, doc, {"reason": "expired"}, TODAY)
    # Said once in the checklist too (beside the price, not again among the notices).
    checklist = render_checklist(
        kb.compose("temporary_residence_permit", dict(residence_ground="study", reason="first_issue"), TODAY), kb
    )
    assert checklist.count("для особи без громадянства") == 1
    # The facts file gives the exemption for the temporary permit only.
    assert "без громадянства" not in render_fees(kb, kb.document("permanent_residence_permit"), {}, TODAY)
