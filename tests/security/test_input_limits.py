"""Input checks shared by the channels (connectors/input_limits.py)."""

from connectors.input_limits import UNKNOWN_PAYLOAD, known_payload

INTENTS = ["inform", "start_consultation", "nlu_fallback"]


def test_a_payload_of_an_unknown_intent_becomes_the_fallback():
    assert known_payload('/old_button{"x":1}', INTENTS) == UNKNOWN_PAYLOAD
    assert known_payload("/no_such_intent", INTENTS) == UNKNOWN_PAYLOAD


def test_known_payloads_and_typed_text_pass_unchanged():
    assert known_payload('/inform{"doc_type":"id_card"}', INTENTS) == '/inform{"doc_type":"id_card"}'
    assert known_payload("/start_consultation", INTENTS) == "/start_consultation"
    for text in ("скільки коштує айді", "/ привіт", "1/2", ""):
        assert known_payload(text, INTENTS) == text
    assert known_payload("/anything", ()) == "/anything"  # no domain loaded yet: nothing to check against


def test_chat_commands_typed_anywhere_map_to_their_payloads():
    # «/start» is what everyone sends first in Telegram; on the web or over REST it was «did not understand».
    assert known_payload("/start", INTENTS) == "/greet"
    assert known_payload("/Start", INTENTS) == "/greet"
    assert known_payload("/status", INTENTS) == "/track_document"
    assert known_payload("/start_consultation", {"start_consultation"}) == "/start_consultation"
