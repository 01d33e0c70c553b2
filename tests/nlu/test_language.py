"""English messages are answered in English; Ukrainian, Russian, surzhyk in Ukrainian; neutral input keeps it."""

import pytest

from nlu.language import detect_language


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
