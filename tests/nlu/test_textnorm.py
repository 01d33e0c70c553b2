"""Document numbers, numbers written as words, lemma keys."""
from __future__ import annotations

import pytest

from nlu.textnorm import canonical_document_number, find_document_numbers, parse_number, phrase_lemma_key


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
    [("п'ять", 5), ("п’ять", 5), ("чотирнадцять", 14), ("сину чотирнадцяти", 14), ("двадцять п'ять", 25),
     ("15 р.", 15), ("fifteen", 15), ("сорок два", 42), ("пятнадцать", 15), ("без віку", None)],
)
def test_parse_number(text: str, number) -> None:
    assert parse_number(text) == number


def test_lemma_key_is_the_same_for_every_case_form() -> None:
    keys = {phrase_lemma_key(t) for t in ["закордонного паспорта", "закордонним паспортом", "закордонний паспорт"]}
    assert keys == {"закордонний паспорт"}
