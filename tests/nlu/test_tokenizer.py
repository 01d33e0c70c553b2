"""UkrainianTokenizer: apostrophes, lemmas, offsets."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.tokenizer import UkrainianTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> UkrainianTokenizer:
    return UkrainianTokenizer(UkrainianTokenizer.get_default_config())


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "`"])
def test_apostrophe_words_stay_whole(tokenizer: UkrainianTokenizer, apostrophe: str) -> None:
    text = f"ім{apostrophe}я дитини, їй п{apostrophe}ять"
    tokens = tokenizer.tokenize_text(text)
    texts = [t.text for t in tokens]
    assert texts == ["ім'я", "дитини", ",", "їй", "п'ять"]
    assert tokens[-1].lemma == "п'ять"


def test_offsets_point_into_the_original_text(tokenizer: UkrainianTokenizer) -> None:
    text = "Вкрали  айдішку, п’ять днів тому (КВ 123456)"
    for token in tokenizer.tokenize_text(text):
        assert text[token.start : token.end].replace("’", "'") == token.text


def test_lemmas_cover_case_forms(tokenizer: UkrainianTokenizer) -> None:
    lemmas = {t.text: t.lemma for t in tokenizer.tokenize_text("закордонного паспорта посвідки вкрали")}
    assert lemmas["закордонного"] == "закордонний"
    assert lemmas["паспорта"] == "паспорт"
    assert lemmas["посвідки"] == "посвідка"
    assert lemmas["вкрали"] == "вкрасти"


def test_latin_lookalikes_and_russian_words(tokenizer: UkrainianTokenizer) -> None:
    tokens = {t.text: t for t in tokenizer.tokenize_text("дoкументи сколько стоит documents")}
    assert tokens["дoкументи"].lemma == "документ"  # Latin "o" inside a Cyrillic word
    assert tokens["сколько"].lemma == "сколько"
    assert tokens["documents"].lemma == "document"


def test_process_sets_tokens_on_message(tokenizer: UkrainianTokenizer) -> None:
    message = Message({TEXT: "шо треба шоб зробити закордонку"})
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.lemma for t in tokens][-1] == "закордонка"
    assert len(tokens) == 5


def test_emoji_only_message_is_one_token(tokenizer: UkrainianTokenizer) -> None:
    tokens = tokenizer.tokenize_text("👍")
    assert len(tokens) == 1 and tokens[0].start == 0


def test_chat_shorthand_has_the_lemma_of_its_word(tokenizer: UkrainianTokenizer) -> None:
    lemmas = {t.text: t.lemma for t in tokenizer.tokenize_text("дякую Спс thx thanks")}
    assert lemmas["Спс"] == lemmas["дякую"] == "дякувати"
    assert lemmas["thx"] == lemmas["thanks"] == "thank"
