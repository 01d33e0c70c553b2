"""Base document numbers (the document a new one is issued on) and their one canonical form each.

booklet passport «кв 123456» / «KB123456» → «КВ123456»; ID-card «123 456 789» → «123456789»;
birth certificate «1-ВЛ 648009» / «I-вл648009» → «І-ВЛ648009» (Roman I as Cyrillic І, X as Latin X);
foreign passport «fs 341265» → «FS341265».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from textnorm.chars import CYRILLIC_RE, LATIN_RE, LATIN_TO_CYRILLIC, normalize_apostrophes

_LETTER = r"A-Za-zА-ЯІЇЄҐа-яіїєґ"
_DASH = r"\-‐‑–—"
BIRTH_CERT_RE = re.compile(
    rf"(?<![{_LETTER}\d])([IІ1lӀVХX]{{1,4}})\s*[{_DASH}\s]\s*([{_LETTER}]{{2}})\s*[№#]?\s*(\d{{6}})(?!\d)"
)
SERIES_RE = re.compile(rf"(?<![{_LETTER}\d])([{_LETTER}]{{2}})\s?[{_DASH}№#]?\s?(\d{{6}})(?!\d)")
ID_NUMBER_RE = re.compile(r"(?<!\d)(?<!\d[.,/:\-])(\d{3})\s?(\d{3})\s?(\d{3})(?!\d|[.,/:\-]\d)")
# Two-letter words that precede a number without being a series («до 123456»).
_NOT_SERIES = {
    "до",
    "на",
    "за",
    "по",
    "та",
    "це",
    "що",
    "як",
    "не",
    "ні",
    "чи",
    "із",
    "зі",
    "во",
    "от",
    "in",
    "on",
    "at",
    "to",
    "is",
    "no",
    "id",
    "my",
    "of",
    "or",
    "an",
    "as",
    "by",
    "it",
    "мі",
}
# A 14-digit number opening with a year: the shape of the application numbers people quote from a receipt
# («номер заявки 20250312000451»). The status check does not take them; it takes the base document's number.
APPLICATION_NUMBER_RE = re.compile(r"(?<![\d-])20\d{2}[01]\d[0-3]\d{7}(?![\d-])")
MAX_RAW_LENGTH = 40  # a typed number with spaces and dashes; anything longer is not one

KIND_BOOKLET, KIND_ID_CARD, KIND_BIRTH_CERTIFICATE, KIND_FOREIGN_PASSPORT = (
    "booklet",
    "id_card",
    "birth_certificate",
    "foreign_passport",
)


@dataclass(frozen=True)
class DocumentNumber:
    kind: str  # booklet, id_card, birth_certificate, foreign_passport
    normalized: str  # the canonical form

    @property
    def masked(self) -> str:
        return mask_document_number(self.normalized)


def _series_letters(letters: str) -> Tuple[str, str]:
    """(canonical letters, kind): Cyrillic letters are a booklet; Latin ones a foreign passport unless every
    letter has a Cyrillic twin («KB123456» typed on a Latin layout is a booklet)."""
    up = letters.upper()
    if CYRILLIC_RE.search(up):
        return up.translate(LATIN_TO_CYRILLIC), KIND_BOOKLET
    as_cyr = up.translate(LATIN_TO_CYRILLIC)
    if not LATIN_RE.search(as_cyr):
        return as_cyr, KIND_BOOKLET
    return up, KIND_FOREIGN_PASSPORT


def _roman(part: str) -> str:
    out = []
    for ch in part.upper():
        if ch in "I1ІLӀ":
            out.append("І")
        elif ch in "XХ":
            out.append("X")
        else:
            out.append(ch)
    return "".join(out)


# A residence permit is issued on the foreigner's own passport, whose series and number the status check takes "without
# punctuation" (dms-facts §5.2) and in no fixed shape: «N4567891», «E12345678», «AB1234567». Latin stays Latin.
PERMITS = frozenset({"temporary_residence_permit", "permanent_residence_permit"})
_FOREIGN_SEPARATORS = re.compile(rf"[\s{_DASH}№#]")
FOREIGN_NUMBER_RE = re.compile(r"[A-Za-z]{0,3}\d{6,10}[A-Za-z]?")
# In a sentence: letters joined to the digits in any case («n4567891»), or in capitals before a space («G 1234 5678»);
# the digits may come in groups («1234 5678»). "is 12345678" keeps its word out.
FOREIGN_NUMBER_IN_TEXT_RE = re.compile(
    r"(?<![A-Za-z\d])(?:[A-Za-z]{1,3}(?=\d)|[A-Z]{1,3}[ \-])?\d{2,10}(?:[ \-]\d{2,8}){0,3}[A-Za-z]?(?![A-Za-z\d])"
)
# A foreigner's passport typed on a Ukrainian keyboard: «АВ1234567» is AB1234567.
CYRILLIC_TO_LATIN = str.maketrans("асеіорхукмтвнАСЕНІКМОРТХУВ", "aceiopxykmtbhACEHIKMOPTXYB")


def _foreign_number(text: str) -> Optional[DocumentNumber]:
    compact = _FOREIGN_SEPARATORS.sub("", text).translate(CYRILLIC_TO_LATIN)
    if len(compact) <= 12 and FOREIGN_NUMBER_RE.fullmatch(compact):
        return DocumentNumber(KIND_FOREIGN_PASSPORT, compact.upper())
    return None


def parse_document_number(raw: str, doc_type: Optional[str] = None) -> Optional[DocumentNumber]:
    """The kind and canonical form of a typed base-document number, or None if it is not one. For a residence permit
    (`doc_type`) a foreigner's passport number in any common shape is one too."""
    if not raw or len(str(raw)) > MAX_RAW_LENGTH:
        return None
    text = normalize_apostrophes(str(raw)).strip().rstrip(".")
    if doc_type in PERMITS and not CYRILLIC_RE.search(text.translate(CYRILLIC_TO_LATIN)):
        found = _foreign_number(text)
        if found:
            return found
    m = BIRTH_CERT_RE.fullmatch(text)
    if m:
        roman, letters, number = m.groups()
        letters = letters.upper().translate(LATIN_TO_CYRILLIC)
        if not LATIN_RE.search(letters):
            return DocumentNumber(KIND_BIRTH_CERTIFICATE, f"{_roman(roman)}-{letters}{number}")
    m = SERIES_RE.fullmatch(text)
    if m:
        letters, number = m.groups()
        canon, kind = _series_letters(letters)
        return DocumentNumber(kind, f"{canon}{number}")
    m = ID_NUMBER_RE.fullmatch(text)
    if m:
        return DocumentNumber(KIND_ID_CARD, "".join(m.groups()))
    return None


def canonical_document_number(raw: str) -> Optional[str]:
    found = parse_document_number(raw)
    return found.normalized if found else None


def find_document_numbers(text: str) -> List[Tuple[int, int, str]]:
    """All document numbers in a message as (start, end, canonical value), left to right."""
    text = normalize_apostrophes(text or "")
    found: List[Tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in found)

    for m in BIRTH_CERT_RE.finditer(text):
        value = canonical_document_number(m.group())
        if value:
            found.append((m.start(), m.end(), value))
    for m in SERIES_RE.finditer(text):
        if m.group(1).lower() in _NOT_SERIES or not free(m.start(), m.end()):
            continue
        value = canonical_document_number(m.group())
        if value:
            found.append((m.start(), m.end(), value))
    for m in ID_NUMBER_RE.finditer(text):
        if free(m.start(), m.end()):
            found.append((m.start(), m.end(), "".join(m.groups())))
    return sorted(found)


def find_document_number(text: str, doc_type: Optional[str] = None) -> Optional[DocumentNumber]:
    """The first document number in a message, with its kind («my passport number is N 4567891» for a permit)."""
    if doc_type in PERMITS:
        for m in FOREIGN_NUMBER_IN_TEXT_RE.finditer(normalize_apostrophes(text or "").translate(CYRILLIC_TO_LATIN)):
            found = _foreign_number(m.group())
            if found:
                return found
    for _start, _end, value in find_document_numbers(text):
        return parse_document_number(value)
    return None


def mask_document_number(number: str) -> str:
    """Only the first two and last two characters (for logs and messages)."""
    s = str(number)
    if len(s) <= 4:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 4) + s[-2:]
