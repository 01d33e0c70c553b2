"""Shared helpers for the actions: the knowledge base, today's date, buttons, answers from the tracker."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from kbengine import KnowledgeBase
from kbengine.loader import cached_knowledge_base

logger = logging.getLogger(__name__)

# Slots the consultation may fill, besides doc_type; which apply is decided by the knowledge base.
CONSULTATION_SLOTS = ["reason", "age", "idp", "location", "passport_issued_in", "residence_ground"]
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

UNDERSTOOD_INTENTS_FOR_ANSWERS = {"inform", "affirm", "deny", "nlu_fallback", "ask_documents"}


def knowledge_base() -> KnowledgeBase:
    return cached_knowledge_base(os.environ.get("DMSBOT_KB_DIR"))


def today() -> dt.date:
    """The day the bot answers on; DMSBOT_TODAY (YYYY-MM-DD) pins it for demos and tests."""
    pinned = os.environ.get("DMSBOT_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            logger.warning("Ignoring DMSBOT_TODAY=%r: not a YYYY-MM-DD date", pinned)
    return dt.date.today()


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


def valid_doc_type(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value in knowledge_base().documents else None


def main_menu_buttons() -> List[Dict[str, str]]:
    return [
        {"title": "Консультація", "payload": "/start_consultation"},
        {"title": "Відстежити документ", "payload": "/track_document"},
        {"title": "Вартість і терміни", "payload": "/ask_fee"},
        {"title": "Де оформити", "payload": "/ask_where_to_apply"},
        {"title": "Зв'язатися з ДМС", "payload": "/contact_human"},
    ]
