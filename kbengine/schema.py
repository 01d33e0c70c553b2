"""JSON schemas of the knowledge-base files (structure only; cross-references are checked in loader.py)."""

from typing import Any, Dict

from kbengine.model import FEE_PARTS

DATE: Dict[str, Any] = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

SOURCE: Dict[str, Any] = {
    "type": "object",
    "required": ["url", "as_of"],
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "pattern": r"^https?://\S+$"},
        "as_of": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    },
}

CONDITION_VALUE: Dict[str, Any] = {
    "oneOf": [
        {"type": "array", "minItems": 1, "items": {"type": ["string", "boolean", "integer"]}},
        {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
        },
    ]
}

CONDITION: Dict[str, Any] = {"type": "object", "additionalProperties": CONDITION_VALUE}

CONDITIONAL: Dict[str, Any] = {
    "when": CONDITION,
    "when_any": {"type": "array", "minItems": 1, "items": CONDITION},
}


def _fact(extra: Dict[str, Any], required=("id", "text", "text_en", "source")) -> Dict[str, Any]:
    props = {
        "id": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "text": {"type": "string", "minLength": 3},
        "text_en": {"type": "string", "minLength": 3},
        "source": SOURCE,
        "unconfirmed": {"type": "boolean"},
        **CONDITIONAL,
        **extra,
    }
    return {"type": "object", "required": list(required), "additionalProperties": False, "properties": props}


FEE_PART: Dict[str, Any] = {
    "type": "object",
    "required": ["part", "amount_uah"],
    "additionalProperties": False,
    "properties": {"part": {"enum": list(FEE_PARTS)}, "amount_uah": {"type": "integer", "minimum": 0}},
}

SCHEDULE_ENTRY: Dict[str, Any] = {
    "type": "object",
    "required": ["source"],
    "additionalProperties": False,
    "properties": {
        # The day the source says the price took effect; without one, the publication date as `reported_on`.
        "effective_from": DATE,
        "reported_on": DATE,
        "amount_uah": {"type": "integer", "minimum": 0},
        "amount_usd": {"type": "integer", "minimum": 0},
        "parts": {"type": "array", "minItems": 1, "items": FEE_PART},
        "term": {"type": "string"},
        "term_en": {"type": "string"},
        "term_unconfirmed": {"type": "boolean"},
        "unconfirmed": {"type": "boolean"},
        "source": SOURCE,
    },
    "allOf": [
        {"oneOf": [{"required": ["amount_uah"]}, {"required": ["amount_usd"]}]},
        {"oneOf": [{"required": ["effective_from"]}, {"required": ["reported_on"]}]},
    ],
    "dependencies": {"term": ["term_en"]},
}

FEE: Dict[str, Any] = {
    "type": "object",
    "required": ["id", "label", "label_en", "urgency", "schedule"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "label": {"type": "string", "minLength": 3},
        "label_en": {"type": "string", "minLength": 3},
        "urgency": {"enum": ["standard", "urgent", "any"]},
        "unconfirmed": {"type": "boolean"},
        "note": {"type": "string"},
        "note_en": {"type": "string"},
        "term": {"type": "string"},
        "term_en": {"type": "string"},
        "schedule": {"type": "array", "minItems": 1, "items": SCHEDULE_ENTRY},
        **CONDITIONAL,
    },
    # Every user-facing text has its English version next to it.
    "dependencies": {"note": ["note_en"], "term": ["term_en"]},
}

DOCUMENT: Dict[str, Any] = {
    "type": "object",
    "required": [
        "doc_type",
        "title",
        "title_en",
        "short_title",
        "short_title_en",
        "questions",
        "checklist",
        "fees",
        "processing_times",
        "places",
    ],
    "additionalProperties": False,
    "properties": {
        "doc_type": {"type": "string"},
        "title": {"type": "string", "minLength": 3},
        "title_en": {"type": "string", "minLength": 3},
        "short_title": {"type": "string", "minLength": 3},
        "short_title_en": {"type": "string", "minLength": 3},
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slot"],
                "additionalProperties": False,
                "properties": {
                    "slot": {"type": "string"},
                    "options": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    **CONDITIONAL,
                },
            },
        },
        "age_buttons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "label_en", "value"],
                "additionalProperties": False,
                "properties": {
                    "label": {"type": "string"},
                    "label_en": {"type": "string"},
                    "value": {"type": "integer", "minimum": 0},
                },
            },
        },
        "checklist": {"type": "array", "minItems": 1, "items": _fact({})},
        "notices": {"type": "array", "items": _fact({"stop": {"type": "boolean"}})},
        "fees": {"type": "array", "minItems": 1, "items": FEE},
        "processing_times": {"type": "array", "minItems": 1, "items": _fact({})},
        "places": {"type": "array", "minItems": 1, "items": _fact({})},
    },
}

OPTION: Dict[str, Any] = {
    "type": "object",
    "required": ["value", "label", "label_en"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": ["string", "boolean"]},
        "label": {"type": "string", "minLength": 1},
        "label_en": {"type": "string", "minLength": 1},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

QUESTIONS: Dict[str, Any] = {
    "type": "object",
    "required": ["questions"],
    "additionalProperties": False,
    "properties": {
        "questions": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["type", "prompt", "prompt_en"],
                "additionalProperties": False,
                "properties": {
                    "type": {"enum": ["choice", "number", "boolean"]},
                    "prompt": {"type": "string", "minLength": 3},
                    "prompt_en": {"type": "string", "minLength": 3},
                    "options": {"type": "array", "minItems": 1, "items": OPTION},
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                },
            },
        }
    },
}

CONTACTS: Dict[str, Any] = {
    "type": "object",
    "required": ["contacts"],
    "additionalProperties": False,
    "properties": {"contacts": {"type": "array", "minItems": 1, "items": _fact({})}},
}
