"""Faster turns in Rasa 3.6 without changing what Rasa does (measured in docs/benchmarks.md).

Rasa validates every action-server answer with `jsonschema.validate(result, schema)`, which checks
the schema itself against the JSON Schema meta-schema on every call: about 0.4 s of CPU per custom
action on this project's machine, two thirds of a whole turn. Here the schema is checked once and the
compiled validator reused; answers are validated exactly as before (same errors, same message).
Rasa also finds the class of every stored event by walking all Event subclasses, per event and per
turn (the cost grows with the conversation); a lookup table answers the same.
Applied when the `connectors` package is imported (Rasa imports it for the channels of
credentials.yml).
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from dmsbot.settings import settings

_applied = False


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every action call
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _cached_resolve_by_type(original: Any) -> Any:
    """Event.resolve_by_type walks every Event subclass for every stored event a turn reads back;
    look the name up in a table built from the same walk instead (a miss walks again)."""
    table: Dict[str, Any] = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        cls = table.get(type_name)
        if cls is not None:
            return cls
        import rasa.shared.utils.common
        from rasa.shared.core.events import Event

        for candidate in rasa.shared.utils.common.all_subclasses(Event):
            table.setdefault(candidate.type_name, candidate)  # first match wins, as in Rasa
        if type_name in table:
            return table[type_name]
        return original(type_name, default)

    return staticmethod(resolve_by_type)


def apply() -> None:
    """Idempotent; DMSBOT_RASA_SPEEDUPS=0 leaves Rasa as it is (for before/after benchmarks)."""
    global _applied
    if _applied or not settings().dmsbot_rasa_speedups:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = _cached_resolve_by_type(Event.resolve_by_type)  # type: ignore[method-assign]
    _applied = True
