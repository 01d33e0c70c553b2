"""The December 2026 audit (dms-facts §11, issue 10): each correction as the engine composes it and the bot says it."""

import datetime as dt

import pytest

from kbengine import load_knowledge_base
from kbengine.render import (
    UNCONFIRMED_PREFIX,
    UNCONFIRMED_PREFIX_EN,
    render_checklist,
    render_fees,
    render_places,
    render_preliminary,
    render_processing_times,
)

TODAY = dt.date(2026, 12, 3)
MEN = {"men_abroad_document_registration", "men_abroad_electronic_document", "men_abroad_no_forwarding"}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def notice_ids(result):
    return {n.id for n in result.notices}


def test_urgent_id_card_is_up_to_7_working_days_and_certain(kb):
    doc = kb.document("id_card")
    fees = render_fees(kb, doc, {"reason": "expired"}, TODAY, urgency="urgent")
    assert "988 грн" in fees and "строк: до 7 робочих днів" in fees
    assert UNCONFIRMED_PREFIX not in fees and "10 робочих" not in fees
    term = next(f for f in doc.processing_times if f.id == "urgent_term")
    assert not term.unconfirmed and "до 7 робочих днів" in term.text
    assert "до 7 робочих днів" in render_processing_times(kb, doc, {"reason": "lost"})


def test_fee_names_its_parts_and_the_day_it_is_quoted_from(kb):
    doc = kb.document("id_card")
    text = render_fees(kb, doc, {"reason": "expired"}, TODAY)
    assert "618 грн (адміністративна послуга 126 грн, бланк 492 грн; діє з 01.01.2026)" in text
    assert "988 грн (адміністративна послуга 496 грн, бланк 492 грн; діє з 01.01.2026)" in text
    assert "Вартість — ID-картка (на 03.12.2026)" in text and "станом на 02.01.2026" in text
    passport = render_fees(kb, kb.document("foreign_passport"), {"location": "ukraine"}, TODAY)
    assert "1 147 грн (адміністративна послуга 352 грн, бланк 795 грн" in passport
    assert "1 787 грн (адміністративна послуга 992 грн, бланк 795 грн" in passport
    # a price whose source gives no start date says when it was reported, not an invented start
    consular = render_fees(kb, kb.document("foreign_passport"), {"location": "abroad"}, TODAY)
    assert "за повідомленням від 11.10.2025" in consular and "діє з" not in consular


def test_temporary_permit_total_stays_unconfirmed_with_its_year(kb):
    text = render_fees(kb, kb.document("temporary_residence_permit"), {}, TODAY)
    assert text.count(UNCONFIRMED_PREFIX) == 1
    assert "1 258 грн" in text and "2022" in text
    assert "державне мито 34 грн" in text and "адміністративний збір 340 грн" in text


def test_foreign_passport_from_14_the_teenager_applies_personally(kb):
    result = kb.compose("foreign_passport", dict(reason="first_issue", age=14, location="ukraine"), TODAY)
    checklist = {f.id for f in result.checklist}
    assert "internal_passport" in checklist and "parent_documents" not in checklist
    notice = next(n for n in result.notices if n.id == "teen_self_apply")
    assert not notice.unconfirmed
    text = render_checklist(result, kb)
    assert "З 14 років підліток подає заяву на закордонний паспорт особисто" in text
    assert UNCONFIRMED_PREFIX + "З 14" not in text


def test_foreign_passport_under_14_one_parent_without_the_others_consent(kb):
    result = kb.compose("foreign_passport", dict(reason="first_issue", age=13, location="ukraine"), TODAY)
    parent = next(f for f in result.checklist if f.id == "parent_documents")
    assert "згода другого з батьків не потрібна" in parent.text
    assert "teen_self_apply" not in notice_ids(result)


@pytest.mark.parametrize(
    "answers",
    [dict(reason="first_issue", age=70, idp=False, location="ukraine"), dict(reason="expired", location="ukraine")],
)
def test_id_card_for_65_and_over_has_no_expiry_wherever_validity_is_stated(kb, answers):
    result = kb.compose("id_card", answers, TODAY)
    validity = next(n for n in result.notices if n.id == "validity")
    assert "з 65 років — безстроково" in validity.text and "50 років" in validity.text
    assert "з 65 років — безстроково" in render_checklist(result, kb)


def test_temporary_permit_exchange_by_the_last_day_and_the_15_day_place_rule(kb):
    result = kb.compose("temporary_residence_permit", dict(residence_ground="employment", reason="expired"), TODAY)
    deadline = next(n for n in result.notices if n.id == "exchange_deadline")
    assert "не пізніше останнього дня строку її дії" in deadline.text
    assert "менше 15 робочих днів" in deadline.text and "лише підрозділ ДМС" in deadline.text
    text = render_checklist(result, kb)
    assert "не пізніше ніж за 15 робочих днів до закінчення строку дії візи чи чинної посвідки" not in text


def test_expired_temporary_permit_no_longer_valid_under_martial_law(kb):
    result = kb.compose("temporary_residence_permit", dict(residence_ground="study", reason="expired"), TODAY)
    ids = notice_ids(result)
    assert "expired_no_longer_valid" in ids and "martial_law_validity" not in ids
    text = render_checklist(result, kb)
    assert "№141" in text and "07.05.2026" in text
    assert "чинні на час воєнного стану і 30 днів після нього" not in text
    # the permanent permit probably keeps martial-law validity: said, but not as certain
    permanent = kb.compose(
        "permanent_residence_permit", dict(residence_ground="immigration_permit", reason="expired"), TODAY
    )
    assert UNCONFIRMED_PREFIX + "Посвідки на постійне проживання" in render_checklist(permanent, kb)


@pytest.mark.parametrize(
    "answers",
    [dict(reason="expired", age=30, location="ukraine"), dict(reason="first_issue", age=5, location="abroad")],
)
def test_no_extension_and_no_entering_children(kb, answers):
    text = render_checklist(kb.compose("foreign_passport", answers, TODAY), kb)
    assert "більше не продовжують" in text and "дітей не вписують до паспорта батьків" in text
    assert "лише для повернення в Україну" in text


def test_collecting_a_childs_passport_is_said_as_unconfirmed(kb):
    text = render_checklist(
        kb.compose("foreign_passport", dict(reason="first_issue", age=10, location="ukraine"), TODAY), kb
    )
    assert UNCONFIRMED_PREFIX + "Забрати готовий паспорт дитини до 12 років" in text


# --- men aged 18–60 abroad -------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_type,reason", [("foreign_passport", "expired"), ("id_card", "expired")])
def test_sex_is_asked_only_abroad_at_18_to_60(kb, doc_type, reason):
    assert kb.missing_slots(doc_type, dict(reason=reason, location="abroad", age=40)) == ["sex"]
    assert kb.missing_slots(doc_type, dict(reason=reason, location="abroad", age=18)) == ["sex"]
    assert kb.missing_slots(doc_type, dict(reason=reason, location="abroad", age=60)) == ["sex"]
    assert "sex" not in kb.missing_slots(doc_type, dict(reason=reason, location="abroad", age=61))
    assert "sex" not in kb.missing_slots(doc_type, dict(reason=reason, location="abroad", age=17))
    assert "sex" not in kb.missing_slots(doc_type, dict(reason=reason, location="ukraine", age=40))


def test_residence_permits_never_ask_sex(kb):
    for doc_type in ("temporary_residence_permit", "permanent_residence_permit"):
        assert "sex" not in kb.required_slots(doc_type, dict(residence_ground="employment", reason="expired"))


def test_man_abroad_gets_the_military_registration_facts_as_unconfirmed(kb):
    result = kb.compose("foreign_passport", dict(reason="expired", age=40, location="abroad", sex="male"), TODAY)
    ids = notice_ids(result)
    assert MEN | {"men_abroad_consulate_registration"} <= ids
    assert all(n.unconfirmed for n in result.notices if n.id.startswith("men_"))
    text = render_checklist(result, kb)
    assert UNCONFIRMED_PREFIX + "Чоловіків 18–60 років консульства з 18.05.2024" in text
    assert "30.06.2024" in text and "Резерв+" in text
    assert UNCONFIRMED_PREFIX + "Паспорт, замовлений в Україні, чоловікам 18–60 років за кордон не пересилають" in text
    # ... and is not told that a passport ordered in Ukraine can be forwarded to him
    assert "abroad_forwarding" not in {p.id for p in result.places}


@pytest.mark.parametrize("answers", [dict(sex="female", age=40), dict(age=61), dict(age=16)])
def test_women_and_other_ages_get_no_military_registration_facts(kb, answers):
    result = kb.compose("foreign_passport", dict(reason="expired", location="abroad", **answers), TODAY)
    assert not {n.id for n in result.notices if n.id.startswith("men_")}
    assert "abroad_forwarding" in {p.id for p in result.places}
    assert "військов" not in render_checklist(result, kb)


def test_id_card_abroad_for_a_man(kb):
    result = kb.compose("id_card", dict(reason="expired", location="abroad", age=35, sex="male"), TODAY)
    assert MEN <= notice_ids(result)
    woman = kb.compose("id_card", dict(reason="expired", location="abroad", age=35, sex="female"), TODAY)
    assert not MEN & notice_ids(woman)


def test_a_direct_question_gets_the_men_facts_before_the_remaining_questions(kb):
    answers = dict(age=40, location="abroad", sex="male")
    text = render_preliminary(kb, kb.document("foreign_passport"), answers)
    assert "консульства з 18.05.2024" in text and "не пересилають" in text
    assert "не пересилають" not in (
        render_preliminary(kb, kb.document("foreign_passport"), dict(answers, sex="female")) or ""
    )


def test_places_for_a_man_abroad_do_not_promise_forwarding(kb):
    doc = kb.document("foreign_passport")
    assert "переслати" not in render_places(kb, doc, dict(location="abroad", age=40, sex="male"))
    assert "переслати" in render_places(kb, doc, dict(location="abroad", age=40, sex="female"))


# --- English -------------------------------------------------------------------------------------------------


def test_the_checklist_in_english(kb):
    result = kb.compose("foreign_passport", dict(reason="expired", age=40, location="abroad", sex="male"), TODAY)
    text = render_checklist(result, kb, lang="en")
    assert text.startswith("What to bring for: Ukrainian passport for travel abroad")
    assert "— it is expiring, age: 40, abroad, man" in text.splitlines()[0]
    assert UNCONFIRMED_PREFIX_EN + "Since 18.05.2024 consulates serve men aged 18–60" in text
    assert "about $130" in text and "as reported on 11 October 2025" in text
    assert "Sources (as of the date shown):" in text and "— as of 18 May 2024" in text
    for fact in [*result.checklist, *result.notices, *result.places, *result.processing_times]:
        assert fact.text_en in text
    assert "Вартість" not in text and "Джерела" not in text and "За нашими даними" not in text


def test_fees_terms_places_and_contacts_in_english(kb):
    from kbengine.render import render_contacts

    doc = kb.document("id_card")
    fees = render_fees(kb, doc, {"reason": "expired"}, TODAY, lang="en")
    assert "Fees — ID card (on 3 December 2026):" in fees
    assert (
        "urgent processing — UAH 988 (administrative service UAH 496, blank UAH 492; in force since 1 January 2026)"
        in fees
    )
    assert ", processing time: up to 7 working days" in fees
    first = render_fees(kb, doc, {"reason": "first_issue"}, TODAY, lang="en")
    assert "first issue — free of charge" in first
    assert "Processing times — ID card:" in render_processing_times(kb, doc, {}, lang="en")
    assert "Where to apply — ID card:" in render_places(kb, doc, {"location": "ukraine"}, lang="en")
    contacts = render_contacts(kb, lang="en")
    assert "Government hotline: 1545" in contacts
    assert UNCONFIRMED_PREFIX_EN + "For the DMS contact-centre number" in contacts


def test_unknown_language_falls_back_to_ukrainian(kb):
    doc = kb.document("id_card")
    assert render_fees(kb, doc, {"reason": "expired"}, TODAY, lang="de") == render_fees(
        kb, doc, {"reason": "expired"}, TODAY
    )


def test_a_price_inside_a_sentence_says_its_day_and_doubt(kb):
    from kbengine.render import fee_inline

    fees = {f.id: f for f in kb.document("id_card").fees}
    assert fee_inline(fees["standard"], fees["standard"].in_force(TODAY)) == "618 грн (діє з 01.01.2026)"
    assert (
        fee_inline(fees["standard"], fees["standard"].in_force(TODAY), "en")
        == "UAH 618 (in force since 1 January 2026)"
    )
    permit = kb.document("temporary_residence_permit").fees[0]
    assert fee_inline(permit, permit.in_force(TODAY)) == "за нашими даними 1 258 грн (діє з 01.11.2022; уточніть у ДМС)"
