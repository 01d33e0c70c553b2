"""connectors/rasa_speedups.py: Rasa behaves as before, only faster."""

from __future__ import annotations

import pytest

import connectors  # noqa: F401  (applies the speed-ups)
from connectors import rasa_speedups


def test_action_answers_are_validated_as_before() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    good = {"events": [{"event": "slot", "name": "doc_type", "value": "id_card"}], "responses": [{"text": "ok"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError) as err:
        action._validate_action_result({"events": [{"event": "slot", "name": 5}], "responses": []})
    assert "Failed to validate Action server response" in err.value.message


def test_event_classes_are_resolved_as_before() -> None:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    for cls in rasa.shared.utils.common.all_subclasses(Event):
        first = next(c for c in rasa.shared.utils.common.all_subclasses(Event) if c.type_name == cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is first
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
