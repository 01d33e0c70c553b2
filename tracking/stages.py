"""Stages, document types and base-document numbers (see docs/contract.md)."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

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

# Pseudo-stages used by expiry reminders (delivered through the same outbox/intent).
REMINDER_STAGES = ("expiry_soon", "permit_exchange_deadline")

DOC_TYPES = (
    "id_card",
    "foreign_passport",
    "temporary_residence_permit",
    "permanent_residence_permit",
)
PERMIT_TYPES = ("temporary_residence_permit", "permanent_residence_permit")

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

# Latin letters that look like Cyrillic ones; users mix keyboards.
_LAT_TO_CYR = str.maketrans({
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М",
    "O": "О", "P": "Р", "T": "Т", "X": "Х", "Y": "У",
})
_CYR_TO_LAT = str.maketrans({v: k for k, v in {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М",
    "O": "О", "P": "Р", "T": "Т", "X": "Х",
}.items()})
_CYR = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"

_BOOKLET = re.compile(rf"^([{_CYR}]{{2}})(\d{{6}})$")
_ID_CARD = re.compile(r"^(\d{9})$")
# Birth certificate: Roman-numeral series part, two Cyrillic letters, six digits.
_BIRTH = re.compile(rf"^([IІVХX1Л]{{1,4}})-?([{_CYR}]{{2}})(\d{{6}})$")
_FOREIGN = re.compile(r"^([A-Z]{2})(\d{6})$")

# Text patterns to spot a number inside free text.
NUMBER_IN_TEXT = re.compile(
    rf"(?<![\w-])("
    rf"[IІ1VХX]{{1,4}}\s*-\s*[{_CYR}{_CYR.lower()}A-Za-z]{{2}}\s*№?\s*\d{{6}}"  # birth certificate
    rf"|[{_CYR}{_CYR.lower()}A-Za-z]{{2}}\s*№?\s*\d{{6}}"  # booklet / foreign passport
    rf"|\d{{9}}"  # ID card
    rf")(?!\w)"
)

BASE_KIND_NAMES_UK = {
    "booklet": "паспорт-книжечка",
    "id_card": "ID-картка",
    "birth_certificate": "свідоцтво про народження",
    "foreign_passport": "паспортний документ іноземця",
}

NUMBER_FORMAT_HELP_UK = (
    "Напишіть серію та номер документа, на підставі якого оформлюється новий, наприклад:\n"
    "• паспорт-книжечка — КВ123456 (2 літери та 6 цифр);\n"
    "• ID-картка — 001234567 (9 цифр);\n"
    "• свідоцтво про народження — І-ВЛ 648009;\n"
    "• паспорт іноземця — FS341265."
)


@dataclass(frozen=True)
class BaseNumber:
    kind: str
    normalized: str

    @property
    def masked(self) -> str:
        return mask_number(self.normalized)


def normalize_number(raw: str) -> Optional[BaseNumber]:
    """Return the base document (kind, canonical number) or None if the format is wrong."""
    if not raw:
        return None
    s = re.sub(r"[\s№.]+", "", str(raw)).upper()
    if len(s) > 20:
        return None
    if _ID_CARD.match(s):
        return BaseNumber("id_card", s)
    m = _FOREIGN.match(s)
    if m and not _BOOKLET.match(s.translate(_LAT_TO_CYR)):
        return BaseNumber("foreign_passport", s)
    if m:
        # Two Latin letters that could be Cyrillic (e.g. "KB"): a booklet typed on a Latin keyboard.
        return BaseNumber("booklet", s.translate(_LAT_TO_CYR))
    cyr = s.translate(_LAT_TO_CYR)
    m = _BOOKLET.match(cyr)
    if m:
        return BaseNumber("booklet", cyr)
    if "-" in s or re.match(r"^[IІ1VХX]+[^\d]", s):
        parts = re.match(rf"^([IІ1VХXIV]{{1,4}})-?([A-Z{_CYR}]{{2}})(\d{{6}})$", s)
        if parts:
            series = parts.group(1).replace("1", "І").replace("I", "І").replace("Х", "X")
            letters = parts.group(2).translate(_LAT_TO_CYR)
            if re.match(rf"^[{_CYR}]{{2}}$", letters):
                return BaseNumber("birth_certificate", f"{series}-{letters}{parts.group(3)}")
    return None


def find_number_in_text(text: str) -> Optional[BaseNumber]:
    for m in NUMBER_IN_TEXT.finditer(text or ""):
        found = normalize_number(m.group(1))
        if found:
            return found
    return None


def mask_number(number: str) -> str:
    """Show only the first two and last two characters (for logs and messages)."""
    s = str(number)
    if len(s) <= 4:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 4) + s[-2:]


def _pepper() -> bytes:
    return os.environ.get("TRACKING_HASH_KEY", "dmsbot-tracking-v1").encode()


def number_hash(doc_type: str, normalized: str) -> str:
    """Keyed hash: the store never keeps the document number itself."""
    return hmac.new(_pepper(), f"{doc_type}|{normalized}".encode(), hashlib.sha256).hexdigest()


def parse_application_key(doc_type: str, raw_number: str) -> Tuple[str, BaseNumber]:
    """Validate a (doc_type, number) pair; raise ValueError with a clear message."""
    if doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {', '.join(DOC_TYPES)}")
    base = normalize_number(raw_number)
    if base is None:
        raise ValueError(
            "document_number has a wrong format; expected booklet КВ123456, ID 9 digits, "
            "birth certificate І-ВЛ648009 or foreign passport FS341265"
        )
    return number_hash(doc_type, base.normalized), base
