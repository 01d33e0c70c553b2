"""Characters: apostrophes and letters that look alike in the Latin and Cyrillic alphabets."""

from __future__ import annotations

import re
from typing import List

# Every apostrophe people type in «ім'я» becomes the ASCII one pymorphy3's dictionary uses.
# All replacements are one character for one character, so offsets never move.
APOSTROPHES = "'’ʼ`´‘ʹ′"
_APOSTROPHE_TABLE = {ord(ch): "'" for ch in APOSTROPHES}

# Latin letters that look like Cyrillic ones (people mix keyboard layouts).
LATIN_TO_CYRILLIC = str.maketrans("aceiopxykmtbhABCEHIKMOPTXY", "асеіорхукмтвнАВСЕНІКМОРТХУ")

CYRILLIC_RE = re.compile(r"[а-яіїєґёыэъА-ЯІЇЄҐЁЫЭЪ]")
LATIN_RE = re.compile(r"[A-Za-z]")
RUSSIAN_ONLY_RE = re.compile(r"[ёыэъЁЫЭЪ]")
UKRAINIAN_ONLY_RE = re.compile(r"[іїєґІЇЄҐ]")
WORD_RE = re.compile(r"[\w']+")


def normalize_apostrophes(text: str) -> str:
    """Replaces every apostrophe variant by "'" (same length, offsets stay valid)."""
    return text.translate(_APOSTROPHE_TABLE)


def fix_lookalikes(word: str) -> str:
    """Turns Latin look-alike letters into Cyrillic ones inside a Cyrillic word."""
    if CYRILLIC_RE.search(word) and LATIN_RE.search(word):
        return word.translate(LATIN_TO_CYRILLIC)
    return word


def words(text: str) -> List[str]:
    """Lower-case words of a message, apostrophes kept inside words («п'ять»)."""
    found = WORD_RE.findall(normalize_apostrophes(text or "").lower())
    return [w.strip("'") for w in found if w.strip("'")]
