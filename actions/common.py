"""Shared helpers for the actions: the knowledge base, today's date, buttons, answers from the tracker."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from dmsbot.clock import today  # noqa: F401  (the bot's day, shared with tracking and the CLI)
from dmsbot.settings import settings
from kbengine import KnowledgeBase
from kbengine.loader import cached_knowledge_base

logger = logging.getLogger(__name__)

# Slots the consultation may fill, besides doc_type; which apply is decided by the knowledge base.
CONSULTATION_SLOTS = ["reason", "age", "idp", "location", "passport_issued_in", "residence_ground", "sex"]
ALL_CONSULTATION_SLOTS = ["doc_type", *CONSULTATION_SLOTS]

NAVIGATION_BUTTONS = [
    {"title": "⬅️ Назад", "payload": "/go_back"},
    {"title": "🔄 Почати спочатку", "payload": "/start_over"},
]
NAVIGATION_BUTTONS_EN = [
    {"title": "⬅️ Back", "payload": "/go_back"},
    {"title": "🔄 Start over", "payload": "/start_over"},
]


def navigation_buttons(lang: str = "uk") -> List[Dict[str, str]]:
    return list(NAVIGATION_BUTTONS_EN if lang == "en" else NAVIGATION_BUTTONS)


def knowledge_base() -> KnowledgeBase:
    return cached_knowledge_base(settings().dmsbot_kb_dir)


def conversation_language(tracker: Tracker) -> str:
    """ "uk" or "en": the `language` slot the conversation keeps (actions/language.py)."""
    return "en" if tracker.get_slot("language") == "en" else "uk"


def payload(intent: str, **entities: Any) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def to_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "так", "1", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "ні", "0", "no"}:
        return False
    return None


def to_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else None
    if isinstance(value, str):
        from textnorm import parse_number

        return parse_number(value)
    return None


def consultation_answers(tracker: Tracker) -> Dict[str, Any]:
    answers = {}
    for slot in CONSULTATION_SLOTS:
        value = tracker.get_slot(slot)
        if value is None:
            continue
        if slot == "age":
            value = to_int(value)
        elif slot == "idp":
            value = to_bool(value)
        if value is not None:
            answers[slot] = value
    return answers


def answers_given_for(tracker: Tracker, doc_type: str) -> List[str]:
    """The consultation answers (slots) whose current value was said while `doc_type` was the conversation's
    document: in the message that named it or after it. A slot set before any event says so is not among them."""
    document, said_for = None, {}
    turn: List[Dict[str, Any]] = []

    def close_turn() -> None:
        nonlocal document
        # Within one message the order of its slot events says nothing: the document it ends with counts.
        document = next((e.get("value") for e in reversed(turn) if e.get("name") == "doc_type"), document)
        for event in turn:
            if event.get("name") in CONSULTATION_SLOTS:
                said_for[event["name"]] = document if event.get("value") is not None else None
        turn.clear()

    for event in tracker.events:
        if event.get("event") == "user":
            close_turn()
        elif event.get("event") == "slot":
            turn.append(event)
    close_turn()
    return [
        slot for slot in CONSULTATION_SLOTS if said_for.get(slot) == doc_type and tracker.get_slot(slot) is not None
    ]


def valid_doc_type(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value in knowledge_base().documents else None


def previous_action(tracker: Tracker) -> Optional[str]:
    """The bot's last action (not a listen) before the latest user message: what the user is answering."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif event.get("event") == "action" and seen_user and event.get("name") != "action_listen":
            return event.get("name")
    return None


def slots_before_this_message(tracker: Tracker) -> Dict[str, Any]:
    """The slots as they were when the latest user message arrived (replayed from the events before it)."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    slots: Dict[str, Any] = {}
    for event in events[:last_user]:
        if event.get("event") == "slot":
            slots[event.get("name")] = event.get("value")
        elif event.get("event") == "restart":
            slots.clear()
    return slots
