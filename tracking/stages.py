"""Stages, document types and base-document numbers (see docs/contract.md)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Dict, Optional, Tuple

from textnorm import DocumentNumber, find_document_number, mask_document_number, parse_document_number

# Main production line, in order.
MAIN_STAGES = (
    "submitted",
    "approved_for_personalization",
    "sent_to_personalization",
    "personalized_shipped",
    "arrived",
    "issued",
)
OFF_LINE_STAGES = ("not_found", "suspended", "refused")
STAGES = MAIN_STAGES + OFF_LINE_STAGES
STAGE_RANK: Dict[str, int] = {s: i + 1 for i, s in enumerate(MAIN_STAGES)}
STAGE_RANK["not_found"] = 0
TERMINAL_STAGES = ("issued", "refused")

# Pseudo-stages used by expiry reminders (delivered through the same outbox/intent). Each document gets the reminder
# of its own rule (dms-facts §11.1.6): the «within a month before expiry» window is an ID-card rule; the exchange
# deadline (by the last day; with < 15 working days left only at a ДМС unit) is a temporary-permit rule; the other
# documents get a plain «expires on …» reminder a month before, with no invented rule.
REMINDER_STAGES = ("expiry_soon", "permit_exchange_deadline", "expiry_plain")
REMINDER_KIND_BY_DOC = {
    "id_card": "expiry_soon",
    "temporary_residence_permit": "permit_exchange_deadline",
    "foreign_passport": "expiry_plain",
    "permanent_residence_permit": "expiry_plain",
}
# When a reminder comes, as listed back to the user («Я нагадаю 12.02.2027 (…)»).
REMINDER_WHEN = {
    "uk": {
        "expiry_soon": "за місяць до закінчення — тоді можна подавати на обмін",
        "permit_exchange_deadline": "поки документи на обмін ще приймають і ЦНАП",
        # Listed only: fewer than 15 working days are left, so ЦНАП no longer accepts the exchange.
        "permit_dms_only": "до кінця строку менше 15 робочих днів — подавайте на обмін лише до підрозділу ДМС",
        "expiry_plain": "за місяць до закінчення",
    },
    "en": {
        "expiry_soon": "a month before expiry — when the exchange can be applied for",
        "permit_exchange_deadline": "while administrative services centres still accept the exchange",
        "permit_dms_only": "fewer than 15 working days are left — apply for the exchange at a DMS unit only",
        "expiry_plain": "a month before expiry",
    },
}

DOC_TYPES = (
    "id_card",
    "foreign_passport",
    "temporary_residence_permit",
    "permanent_residence_permit",
)

DOC_TYPE_NAMES_EN = {
    "id_card": "ID card",
    "foreign_passport": "passport for travel abroad",
    "temporary_residence_permit": "temporary residence permit",
    "permanent_residence_permit": "permanent residence permit",
}

# Words of the tracking dialogue that are built in code (the rest are responses in domain/tracking.yml), per language.
STAGE_SHORT = {
    "uk": {
        "submitted": "документи прийнято, перевірка даних",
        "approved_for_personalization": "дозвіл на персоналізацію",
        "sent_to_personalization": "у центрі персоналізації",
        "personalized_shipped": "виготовлено, в дорозі до підрозділу",
        "arrived": "прибув, можна забрати",
        "issued": "видано",
        "not_found": "даних ще немає",
        "suspended": "призупинено",
        "refused": "відмовлено",
    },
    "en": {
        "submitted": "documents accepted, data being checked",
        "approved_for_personalization": "personalisation approved",
        "sent_to_personalization": "at the personalisation centre",
        "personalized_shipped": "made, on its way to the office",
        "arrived": "arrived, ready to collect",
        "issued": "issued",
        "not_found": "no data yet",
        "suspended": "suspended",
        "refused": "refused",
    },
}
TRACKING_WORDS = {
    "uk": {
        "document": "документ",
        "by_document": "за документом {masked}",
        "unsubscribe": "Відписатися",
        "from_all": "Від усіх",
        "hours": "{n} год",
        "minutes": "{n} хв",
        "and": " і ",
    },
    "en": {
        "document": "document",
        "by_document": "document {masked}",
        "unsubscribe": "Unsubscribe",
        "from_all": "From all",
        "hours": "{n} h",
        "minutes": "{n} min",
        "and": " and ",
    },
}


def doc_type_name(doc_type: Optional[str], lang: str = "uk", capital: bool = True) -> str:
    """«ID-картка» / "ID card"; lower case where the name follows other words («Нагадування: ...»)."""
    english = lang == "en"
    names = DOC_TYPE_NAMES_EN if english else DOC_TYPE_NAMES_UK
    name = names.get(doc_type or "", TRACKING_WORDS["en" if english else "uk"]["document"])
    return name[:1].upper() + name[1:] if capital else name


DOC_TYPE_NAMES_UK = {
    "id_card": "ID-картка",
    "foreign_passport": "закордонний паспорт",
    "temporary_residence_permit": "посвідка на тимчасове проживання",
    "permanent_residence_permit": "посвідка на постійне проживання",
}


def is_advance(current: Optional[str], current_rank: int, new: str) -> bool:
    """Whether moving an application from `current` to `new` is a real change.

    Backwards moves, repeats and changes after a terminal stage are ignored so that
    replays and out-of-order feeds are idempotent.
    """
    if current is None:
        return True
    if new == current or current in TERMINAL_STAGES:
        return False
    if new in ("suspended", "refused"):
        return True
    if new == "not_found":
        return False
    rank = STAGE_RANK[new]
    if current == "suspended":
        return rank >= current_rank
    return rank > current_rank


# --- base document numbers -------------------------------------------------------

# Base document numbers are parsed by the shared `textnorm` package (one canonical form everywhere).
BaseNumber = DocumentNumber
normalize_number = parse_document_number
find_number_in_text = find_document_number
mask_number = mask_document_number


def _pepper() -> bytes:
    # No public default: TRACKING_HASH_KEY, or a random local key in var/ (required in production).
    from tracking.config_secrets import get_secret

    return get_secret("TRACKING_HASH_KEY").encode()


def number_hash(doc_type: str, normalized: str) -> str:
    """Keyed hash: the store never keeps the document number itself."""
    return hmac.new(_pepper(), f"{doc_type}|{normalized}".encode(), hashlib.sha256).hexdigest()


def parse_application_key(doc_type: str, raw_number: str) -> Tuple[str, BaseNumber]:
    """Validate a (doc_type, number) pair; raise ValueError with a clear message."""
    if doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {', '.join(DOC_TYPES)}")
    base = normalize_number(raw_number, doc_type)
    if base is None:
        raise ValueError(
            "document_number has a wrong format; expected booklet КВ123456, ID 9 digits, "
            "birth certificate І-ВЛ648009 or foreign passport FS341265"
        )
    return number_hash(doc_type, base.normalized), base
