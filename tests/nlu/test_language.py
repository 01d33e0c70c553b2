"""English messages are answered in English; Ukrainian, Russian, surzhyk in Ukrainian; neutral input keeps it."""

import pytest

from nlu.language import detect_language, mixes_in_english


@pytest.mark.parametrize(
    "text,expected",
    [
        ("How much is a passport for travel abroad?", "en"),
        # a stage change pushed through trigger_intent must not switch a Ukrainian conversation to English
        ("EXTERNAL: EXTERNAL_status_changed", None),
        ("I lost my ID card", "en"),
        ("how long may I stay after my student residence permit ends?", "en"),
        ("Do I need an ID-картка for this?", "en"),
        ("скільки коштує закордонний паспорт", "uk"),
        ("сколько стоит загранпаспорт", "uk"),
        ("шо треба шоб зробити закордонку", "uk"),
        ("мені 15, ID-картка", "uk"),
        ("пачпорт zагран", "uk"),
        ("15", None),
        ("ok", None),
        ("FS341265", None),
        ("12.03.2027", None),
        ('/inform{"doc_type":"id_card"}', None),
        ("", None),
        ("👍", None),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "what means status Інформації не знайдено",
        "what does Документ персоналізовано та відправлено до підрозділу міграційної служби mean",
        "my status: Дані відправлено до центру персоналізації. what next?",
    ],
)
def test_an_english_question_about_a_quoted_ukrainian_status_is_english(text):
    assert detect_language(text) == "en"


def test_a_ukrainian_message_naming_english_words_stays_ukrainian():
    assert detect_language("статус Documents accepted що це") == "uk"
    assert detect_language("скільки коштує ID card") == "uk"
    assert not mixes_in_english("скільки коштує ID card")
    assert mixes_in_english("status says Документи прийнято, what now")


def test_a_number_with_letters_says_nothing_of_the_language():
    assert detect_language("АВ1234567") is None
    assert detect_language("N4567891") is None
    assert detect_language("my number АВ1234567") == "en"
