"""Checks of the NLU training data and the held-out set (no training)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.utils.io import read_yaml_file

from dmsbot.commands.inbox import HELDOUT_SETS
from nlu.canonical import CANONICAL_VALUES
from textnorm import canonical_document_number, normalize_apostrophes

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = 15
NO_NLU_INTENTS = {"EXTERNAL_status_changed"}


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_apostrophes(text).lower()).strip().rstrip("?.!")


@pytest.fixture(scope="module")
def training():
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def heldout():
    return load_data(str(ROOT / "tests" / "nlu" / "heldout.yml"))


@pytest.fixture(scope="module")
def domain() -> Dict[str, List[str]]:
    intents, entities = set(), set()
    for path in (ROOT / "domain").glob("*.yml"):
        content = read_yaml_file(path) or {}
        for item in content.get("intents", []) or []:
            intents.add(item if isinstance(item, str) else next(iter(item)))
        for item in content.get("entities", []) or []:
            entities.add(item if isinstance(item, str) else next(iter(item)))
    return {"intents": sorted(intents), "entities": sorted(entities)}


def test_every_domain_intent_has_enough_examples(training, domain) -> None:
    counts = Counter(m.get("intent") for m in training.intent_examples)
    for intent in domain["intents"]:
        if intent in NO_NLU_INTENTS:
            continue
        assert counts[intent] >= MIN_EXAMPLES, f"{intent}: {counts[intent]} examples"
    assert set(counts) <= set(domain["intents"]), set(counts) - set(domain["intents"])


def test_entities_are_declared_and_values_canonical(training, domain) -> None:
    for message in training.entity_examples:
        for entity in message.get("entities"):
            name, value = entity["entity"], str(entity["value"])
            assert name in domain["entities"], name
            if name in CANONICAL_VALUES:
                assert value in CANONICAL_VALUES[name], (message.get("text"), name, value)
            elif name == "age":
                assert value.isdigit(), (message.get("text"), value)
            elif name == "document_number":
                assert canonical_document_number(value) == value, (message.get("text"), value)


def test_synonym_targets_are_canonical_values(training) -> None:
    canonical = set().union(*CANONICAL_VALUES.values())
    for text, value in training.entity_synonyms.items():
        # Ages, dates and document numbers annotated with their normal form also become synonyms.
        ok = (
            value in canonical
            or value.isdigit()
            or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            or canonical_document_number(value) == value
        )
        assert ok, (text, value)


def test_no_message_has_two_intents(training) -> None:
    seen: Dict[str, str] = {}
    for message in training.intent_examples:
        key = _key(message.get("text"))
        assert seen.setdefault(key, message.get("intent")) == message.get("intent"), key


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=str)
def test_heldout_is_never_trained_on(training, path) -> None:
    trained = {_key(m.get("text")) for m in training.intent_examples}
    heldout = load_data(str(ROOT / path))
    leaked = [m.get("text") for m in heldout.intent_examples if _key(m.get("text")) in trained]
    assert not leaked, leaked


def test_heldout_covers_every_intent_and_language(heldout, domain) -> None:
    assert len(heldout.intent_examples) >= 200
    intents = {m.get("intent") for m in heldout.intent_examples}
    assert intents == set(domain["intents"]) - NO_NLU_INTENTS
    texts = [m.get("text") for m in heldout.intent_examples]
    russian = (
        r"[ыэъё]|\b(что|как|где|мой|мне|мои|меня|нет|надо|лет|сыну|почем|готов|удалите|позовите|спасибо|пока|добрый)\b"
    )
    assert sum(bool(re.search(russian, t.lower())) for t in texts) >= 15  # Russian
    assert sum(bool(re.fullmatch(r"[A-Za-z0-9 ,.?!'\-\[\]]+", t)) for t in texts) >= 15  # English
    assert sum(bool(re.search(r"\bшо\b|\bшоб\b|нада|скіки|скоко", t)) for t in texts) >= 3  # surzhyk


def test_heldout_document_numbers_are_canonical(heldout) -> None:
    for message in heldout.entity_examples:
        for entity in message.get("entities"):
            if entity["entity"] == "document_number":
                assert canonical_document_number(entity["value"]) == entity["value"]
