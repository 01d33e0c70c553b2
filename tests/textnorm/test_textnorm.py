"""One table for the shared text normalisation: document numbers, numbers in digits and words, lemmas.

The NLU components, the actions and tracking all use `textnorm`, so these cases hold them together."""

from __future__ import annotations

import pytest

from kbengine.text import parse_answer
from textnorm import (
    canonical_document_number,
    find_document_number,
    find_document_numbers,
    lemma_forms,
    mask_document_number,
    parse_document_number,
    parse_number,
    phrase_lemma_key,
)
from tracking.stages import find_number_in_text, normalize_number


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("КВ123456", "КВ123456"),
        ("кв 123456", "КВ123456"),
        ("KB123456", "КВ123456"),  # typed on a Latin keyboard
        ("kb-123456", "КВ123456"),
        ("123 456 789", "123456789"),
        ("004512398", "004512398"),
        ("І-ВЛ 648009", "І-ВЛ648009"),
        ("1-ВЛ648009", "І-ВЛ648009"),
        ("I-вл 648009", "І-ВЛ648009"),
        ("II-КИ 123456", "ІІ-КИ123456"),
        ("FS341265", "FS341265"),
        ("fs 341265", "FS341265"),
    ],
)
def test_canonical_document_number(raw: str, canonical: str) -> None:
    assert canonical_document_number(raw) == canonical


@pytest.mark.parametrize("raw", ["hello", "12345", "КВ12345", "1234567890"])
def test_not_a_document_number(raw: str) -> None:
    assert canonical_document_number(raw) is None


def test_find_document_numbers_skips_dates_phones_and_words() -> None:
    text = "книжечка КВ123456, свідоцтво 1-ВЛ 648009, ID 987 654 321, до 12.03.2027, до 123456, тел 050 123 4567"
    assert [v for _, _, v in find_document_numbers(text)] == ["КВ123456", "І-ВЛ648009", "987654321"]
    for start, end, _ in find_document_numbers(text):
        assert text[start:end].strip() == text[start:end]


@pytest.mark.parametrize(
    "text, number",
    [
        ("п'ять", 5),
        ("п’ять", 5),
        ("п`ять років", 5),
        ("чотирнадцять", 14),
        ("сину чотирнадцяти", 14),
        ("чотирнадцяти років", 14),
        ("сорока", 40),
        ("мені сорока два", 42),
        ("двадцять п'ять", 25),
        ("15 р.", 15),
        ("мені 15.", 15),
        ("fifteen", 15),
        ("twenty five", 25),
        ("сорок два", 42),
        ("пятнадцать", 15),
        ("сто двадцять", 120),
        ("без віку", None),
        ("", None),
        # signs: a minus right before the number counts, a dash between two numbers does not
        ("мені -3", -3),
        ("-3", -3),
        ("мінус три", -3),
        ("14-15 років", 14),
        ("14–15 років", 14),
        # not whole numbers, or too long to be an age
        ("1,5 року", None),
        ("1.5", None),
        ("мені ² років", None),
        ("x²", None),
        ("9" * 5000, None),
        ("мені " + "9" * 5000 + " або 7", 7),
    ],
)
def test_parse_number(text: str, number) -> None:
    assert parse_number(text) == number


def test_lemma_key_is_the_same_for_every_case_form() -> None:
    keys = {phrase_lemma_key(t) for t in ["закордонного паспорта", "закордонним паспортом", "закордонний паспорт"]}
    assert keys == {"закордонний паспорт"}


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("кв 123456", "booklet"),
        ("KB123456", "booklet"),
        ("001234567", "id_card"),
        ("І-ВЛ 648009", "birth_certificate"),
        ("1-ВЛ648009", "birth_certificate"),
        ("FS341265", "foreign_passport"),
        ("fs 341265", "foreign_passport"),
    ],
)
def test_document_number_kind(raw: str, kind: str) -> None:
    assert parse_document_number(raw).kind == kind
    # tracking uses the very same parser
    assert normalize_number(raw) == parse_document_number(raw)


@pytest.mark.parametrize("raw", ["", "КВ1234567", "КВ" + "1" * 5000, "\udc00", "12-345"])
def test_bad_document_numbers_are_none(raw: str) -> None:
    assert parse_document_number(raw) is None
    assert normalize_number(raw) is None


def test_first_number_in_text_is_the_same_for_nlu_and_tracking() -> None:
    text = "чи готовий мій паспорт, книжечка кв 123456, і ще ID 987 654 321"
    assert find_document_number(text).normalized == "КВ123456"
    assert find_number_in_text(text) == find_document_number(text)
    assert [v for _, _, v in find_document_numbers(text)] == ["КВ123456", "987654321"]


def test_mask_keeps_only_the_ends() -> None:
    assert mask_document_number("КВ123456") == "КВ****56"
    assert mask_document_number("123") == "***"


def test_lemma_forms_cover_ukrainian_and_russian() -> None:
    assert "вкрасти" in lemma_forms("вкрали")
    assert "украсть" in lemma_forms("украли")


def test_consultation_number_answers_use_the_same_parser() -> None:
    from types import SimpleNamespace

    question = SimpleNamespace(type="number", options=[])
    for text in ["мені -3", "чотирнадцяти років", "сорока", "п'ять"]:
        assert parse_answer(question, text) == parse_number(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("продовжити", "expired"),  # «Чому оформлюєте документ?» → «продовжити»: once «did you mean» entries
        ("хочу продлить", "expired"),
        ("renew", "expired"),
        ("кончається", "expired"),
        ("вперше", "first_issue"),
        ("продовжити і поміняти прізвище", None),  # two answers: the form asks again
    ],
)
def test_a_typed_reason_is_read_in_peoples_words(text, expected) -> None:
    from kbengine import load_knowledge_base

    question = load_knowledge_base().question_for("reason", "temporary_residence_permit")
    assert parse_answer(question, text) == expected


@pytest.mark.parametrize(
    "slot, doc_type, text, expected",
    [
        ("location", "foreign_passport", "в Києві", "ukraine"),  # a city of Ukraine answers «в Україні чи за кордоном?»
        ("location", "foreign_passport", "in Lviv", "ukraine"),
        ("location", "foreign_passport", "живу в Ірландії", "abroad"),
        ("location", "foreign_passport", "у Варшаві", "abroad"),  # a city abroad too
        ("location", "foreign_passport", "в Кракові", "abroad"),
        ("location", "foreign_passport", "in Berlin", "abroad"),
        ("location", "foreign_passport", "з Києва, але зараз у Польщі", None),  # both: asked again
        ("residence_ground", "temporary_residence_permit", "жінка українка", "family_reunification"),
        ("residence_ground", "temporary_residence_permit", "волонтер", "other"),
    ],
)
def test_a_typed_answer_names_its_option(slot, doc_type, text, expected) -> None:
    from kbengine import load_knowledge_base

    assert parse_answer(load_knowledge_base().question_for(slot, doc_type), text) == expected


def test_a_permit_number_is_a_foreign_passport_in_any_common_shape():
    from textnorm.docnumbers import find_document_number, parse_document_number

    permit = "temporary_residence_permit"
    assert parse_document_number("N4567891", permit).normalized == "N4567891"
    assert parse_document_number("ab-1234567", permit).normalized == "AB1234567"
    assert parse_document_number("N4567891") is None  # no shape of a Ukrainian document
    # Typed on a Ukrainian keyboard, a foreigner's passport keeps its Latin letters.
    assert parse_document_number("АВ1234567", permit).normalized == "AB1234567"
    assert parse_document_number("КВ123456").normalized == "КВ123456"  # a booklet for a citizen's document
    assert parse_document_number("12.11.2026", permit) is None
    assert find_document_number("my passport is E 12345678 thanks", permit).normalized == "E12345678"
    assert find_document_number("passport G 1234 5678 thanks", permit).normalized == "G12345678"
    assert find_document_number("number is N 4567891", permit).normalized == "N4567891"
    assert find_document_number("my number is 12345678", permit).normalized == "12345678"  # not «IS12345678»
