"""action_validate_slot_mappings keeps the `language` slot: detected per message, fixed by the switch."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ValidateSlotMappings
from kbengine.loader import DEFAULT_KB_DIR


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(DEFAULT_KB_DIR.parent / "domain")).as_dict()


def run(domain, text, slots=None, intent="faq", entities=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    tracker = Tracker(
        "u",
        dict(slots or {}),
        latest,
        [{"event": "user", "text": text, "parse_data": latest}],
        False,
        None,
        {},
        "action_listen",
    )
    events = asyncio.run(ValidateSlotMappings().run(CollectingDispatcher(), tracker, domain))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_english_message_switches_to_english(domain):
    assert run(domain, "How much is an ID card?", {"language": "uk"}) == {"language": "en"}


def test_russian_and_surzhyk_get_ukrainian(domain):
    assert run(domain, "сколько стоит загранпаспорт", {"language": "en"}) == {"language": "uk"}
    assert run(domain, "шо по грошах за айдішку", {"language": "en"}) == {"language": "uk"}


def test_neutral_message_keeps_the_language(domain):
    assert run(domain, "15", {"language": "en"}) == {}
    assert run(domain, '/inform{"age":"15"}', {"language": "en"}) == {}


def test_switch_fixes_the_choice(domain):
    set_en = [{"entity": "language", "value": "en"}]
    assert run(domain, '/set_language{"language":"en"}', {"language": "uk"}, "set_language", set_en) == {
        "language": "en",
        "language_chosen": True,
    }
    # After the switch, a Ukrainian word (a document name) does not switch back.
    assert run(domain, "ID-картка", {"language": "en", "language_chosen": True}) == {}
    set_uk = [{"entity": "language", "value": "uk"}]
    assert (
        run(domain, "Українська", {"language": "en", "language_chosen": True}, "set_language", set_uk)["language"]
        == "uk"
    )
