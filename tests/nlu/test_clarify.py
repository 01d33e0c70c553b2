"""Clarifying question for low-confidence messages."""

from __future__ import annotations

from nlu.clarify import QUESTION, clarification


def test_buttons_for_likeliest_topics_keep_entities() -> None:
    message = {
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.5},
            {"name": "ask_fee", "confidence": 0.41},
            {"name": "ask_processing_time", "confidence": 0.38},
            {"name": "greet", "confidence": 0.1},
            {"name": "ask_documents", "confidence": 0.06},
        ],
        "entities": [{"entity": "doc_type", "value": "foreign_passport"}],
    }
    text, buttons = clarification(message)
    assert text == QUESTION
    payloads = [b["payload"] for b in buttons]
    assert payloads[:3] == [
        '/ask_fee{"doc_type":"foreign_passport"}',
        '/ask_processing_time{"doc_type":"foreign_passport"}',
        '/ask_documents{"doc_type":"foreign_passport"}',
    ]
    assert payloads[-1] == "/help"


def test_no_signal_offers_main_topics() -> None:
    text, buttons = clarification({"intent_ranking": [{"name": "greet", "confidence": 0.3}]})
    assert [b["payload"] for b in buttons] == ["/ask_documents", "/track_document", "/contact_human", "/help"]
