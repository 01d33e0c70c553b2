"""Canonical entity values (docs/contract.md plus the project's additions)."""

from __future__ import annotations

from typing import Dict, FrozenSet

CANONICAL_VALUES: Dict[str, FrozenSet[str]] = {
    "doc_type": frozenset({"id_card", "foreign_passport", "temporary_residence_permit", "permanent_residence_permit"}),
    "reason": frozenset(
        {"first_issue", "expired", "name_change", "data_error", "damaged", "lost", "stolen", "booklet_exchange"}
    ),
    "idp": frozenset({"true", "false"}),
    "location": frozenset({"ukraine", "abroad"}),
    "urgency": frozenset({"standard", "urgent"}),
    "residence_ground": frozenset({"employment", "study", "family_reunification", "immigration_permit", "other"}),
    "passport_issued_in": frozenset({"ukraine", "occupied_territory", "abroad"}),
    "language": frozenset({"uk", "en"}),
    # Asked only for a passport applied for abroad at 18–60 (kb/questions.yml `sex`).
    "sex": frozenset({"male", "female"}),
}
# Free-valued entities (normalised by format, not by a value list).
FREE_ENTITIES = frozenset({"age", "document_number", "expiry_date", "stage", "faq_id"})
ALL_ENTITIES = frozenset(CANONICAL_VALUES) | FREE_ENTITIES
