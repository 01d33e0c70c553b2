"""The Rasa component trains on the fixture FAQ (its own sentence model in a child process), persists, loads and
adds `faq` to parsed messages; a sure match overrules out-of-scope, a bare «паспорт» loses its document."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.faq_retriever import FaqRetriever

CONFIG = {"pairs_per_intent": 6, "vocab_size": 500, "dimension": 16, "answer_threshold": 0.3}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from tests.faq.conftest import make_kb

    kb_dir = make_kb(tmp_path_factory.mktemp("kb") / "kb")
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("faq_retriever")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**CONFIG, "kb_dir": str(kb_dir)}
    FaqRetriever.create(config, storage, resource, context).train(TrainingData())
    return FaqRetriever.load(config, storage, resource, context)


def parse(component, text, intent="out_of_scope", confidence=0.6, entities=None):
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": entities or [],
        }
    )
    component.process([message])
    return message


def test_sure_match_becomes_faq_with_ranking(loaded):
    message = parse(loaded, "у мене вкрали паспорт, що робити?")
    faq = message.get("faq")
    assert faq["ranking"][0]["id"] == "lost_id_card_steps"
    assert 0 < faq["confidence"] <= 1 and len(faq["ranking"]) == 3
    assert message.get("intent")["name"] == "faq"


def test_greeting_is_not_overruled(loaded):
    message = parse(loaded, "привіт", intent="greet", confidence=0.99)
    assert message.get("intent")["name"] == "greet"


def test_button_payload_is_not_retrieved(loaded):
    message = parse(loaded, '/faq{"faq_id":"photo_needed"}', intent="faq", confidence=1.0)
    assert message.get("faq") is None


def test_bare_passport_loses_the_id_card(loaded):
    entities = [{"entity": "doc_type", "value": "id_card", "start": 15, "end": 22}]
    message = parse(loaded, "скільки коштує паспорт", intent="ask_fee", confidence=0.95, entities=entities)
    assert message.get("intent")["name"] == "ask_fee"
    assert message.get("entities") == [] and message.get("doc_type_ambiguous") is True


def test_a_bare_passport_in_a_longer_form_answer_keeps_the_other_values(loaded):
    """«паспорт вкрали у Польщі» at the reason question: the document already chosen is not replaced by the ID card
    the normaliser read into «паспорт»; the reason and the place still fill their slots."""
    text = "паспорт вкрали у Польщі"
    entities = [
        {"entity": "doc_type", "value": "id_card", "start": 0, "end": 7},
        {"entity": "reason", "value": "stolen", "start": 8, "end": 14},
        {"entity": "location", "value": "abroad", "start": 17, "end": 23},
    ]
    message = parse(loaded, text, intent="inform", confidence=0.99, entities=entities)
    assert message.get("intent")["name"] == "inform"
    assert [e["entity"] for e in message.get("entities")] == ["reason", "location"]
    assert message.get("doc_type_ambiguous") is True


def test_tracking_a_bare_passport_asks_which_document(loaded):
    """«хочу відстежувати свій паспорт»: tracking, without the ID card the normaliser read into «паспорт»; with a
    number the lookup runs at once as before (its reply names the document it looked up)."""
    text = "хочу відстежувати свій паспорт"
    passport = {"entity": "doc_type", "value": "id_card", "start": 23, "end": 30}
    message = parse(loaded, text, intent="track_document", confidence=0.97, entities=[passport])
    assert message.get("intent")["name"] == "track_document"
    assert message.get("entities") == [] and not message.get("doc_type_ambiguous")
    text = "чи готовий мій паспорт КВ123456"
    passport = {"entity": "doc_type", "value": "id_card", "start": 15, "end": 22}
    number = {"entity": "document_number", "value": "КВ123456", "start": 23, "end": 31}
    message = parse(loaded, text, intent="track_document", confidence=0.99, entities=[passport, number])
    assert message.get("entities") == [passport, number]
