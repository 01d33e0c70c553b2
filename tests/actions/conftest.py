from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from kbengine.loader import DEFAULT_KB_DIR

ROOT = DEFAULT_KB_DIR.parent


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setenv("DMSBOT_TODAY", "2026-11-25")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = "consultation_form",
    extracted: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """`extracted` are slots Rasa's action_extract_slots set from this message's entities."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    return Tracker(
        sender_id="test-user",
        slots={**(slots or {}), **(extracted or {})},
        latest_message=latest,
        events=list(events or [])
        + [{"event": "user", "text": text, "parse_data": latest}]
        + [{"event": "slot", "name": k, "value": v} for k, v in (extracted or {}).items()],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
