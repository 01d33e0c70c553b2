"""Text normalisation shared by the NLU components, scripts and other services.

Everything here is pure Python (plus pymorphy3) so the tracking service and the CLI
can reuse `canonical_document_number` without loading Rasa.
"""
from __future__ import annotations

import functools
import re
from typing import Dict, Iterable, List, Optional, Tuple

# Every apostrophe people type in «ім'я» becomes the ASCII one pymorphy3's dictionary uses.
# All replacements are one character for one character, so offsets never move.
APOSTROPHES = "'’ʼ`´‘ʹ′"
_APOSTROPHE_TABLE = {ord(ch): "'" for ch in APOSTROPHES}

# Latin letters that look like Cyrillic ones (people mix keyboard layouts).
_LATIN_TO_CYRILLIC = str.maketrans(
    "aceiopxykmtbhABCEHIKMOPTXY",
    "асеіорхукмтвнАВСЕНІКМОРТХУ",
)
_CYRILLIC_TO_LATIN = str.maketrans(
    "АВСЕНІКМОРТХУ",
    "ABCEHIKMOPTXY",
)
_CYRILLIC_RE = re.compile(r"[а-яіїєґёыэъА-ЯІЇЄҐЁЫЭЪ]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_RUSSIAN_ONLY_RE = re.compile(r"[ёыэъЁЫЭЪ]")
_UKRAINIAN_ONLY_RE = re.compile(r"[іїєґІЇЄҐ]")


def normalize_apostrophes(text: str) -> str:
    """Replaces every apostrophe variant by "'" (same length, offsets stay valid)."""
    return text.translate(_APOSTROPHE_TABLE)


def fix_lookalikes(word: str) -> str:
    """Turns Latin look-alike letters into Cyrillic ones inside a Cyrillic word."""
    if _CYRILLIC_RE.search(word) and _LATIN_RE.search(word):
        return word.translate(_LATIN_TO_CYRILLIC)
    return word


class Lemmatizer:
    """pymorphy3 lemmas for Ukrainian, Russian for Russian-only words, crude English stems."""

    def __init__(self, russian: bool = True) -> None:
        import pymorphy3

        self._uk = pymorphy3.MorphAnalyzer(lang="uk")
        self._ru = None
        if russian:
            try:
                self._ru = pymorphy3.MorphAnalyzer(lang="ru")
            except (ValueError, ImportError, OSError):
                # pymorphy3-dicts-ru is optional: Russian words then keep their surface form.
                self._ru = None
        self.lemma = functools.lru_cache(maxsize=200_000)(self._lemma)

    def _lemma(self, word: str) -> str:
        word = fix_lookalikes(normalize_apostrophes(word)).lower()
        if not word or not any(ch.isalpha() for ch in word):
            return word
        if not _CYRILLIC_RE.search(word):
            return _english_stem(word)
        if self._ru is not None and not _UKRAINIAN_ONLY_RE.search(word):
            if _RUSSIAN_ONLY_RE.search(word) or (
                not self._uk.word_is_known(word) and self._ru.word_is_known(word)
            ):
                return self._ru.parse(word)[0].normal_form.replace("ё", "е")
        return self._uk.parse(word)[0].normal_form


def _english_stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=1)
def default_lemmatizer() -> Lemmatizer:
    return Lemmatizer()


# ---------------------------------------------------------------- numbers (age)
_UNITS: Dict[str, int] = {
    # Ukrainian lemmas
    "нуль": 0, "один": 1, "одна": 1, "два": 2, "дві": 2, "три": 3, "чотири": 4, "п'ять": 5,
    "шість": 6, "сім": 7, "вісім": 8, "дев'ять": 9, "десять": 10, "одинадцять": 11,
    "дванадцять": 12, "тринадцять": 13, "чотирнадцять": 14, "п'ятнадцять": 15,
    "шістнадцять": 16, "сімнадцять": 17, "вісімнадцять": 18, "дев'ятнадцять": 19,
    # Russian lemmas
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "четыре": 4,
    "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19, "две": 2,
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS: Dict[str, int] = {
    "двадцять": 20, "тридцять": 30, "сорок": 40, "п'ятдесят": 50, "шістдесят": 60,
    "сімдесят": 70, "вісімдесят": 80, "дев'яносто": 90,
    "двадцать": 20, "тридцать": 30, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_HUNDREDS: Dict[str, int] = {"сто": 100, "hundred": 100}
# Surface forms pymorphy3 sometimes lemmatises oddly.
_NUMBER_SURFACE: Dict[str, int] = {
    "п'ять": 5, "п'яти": 5, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "сьоми": 7,
    "восьми": 8, "дев'яти": 9, "десяти": 10, "чотирьох": 4, "трьох": 3, "двох": 2,
    "чотирнадцяти": 14, "п'ятнадцяти": 15, "шістнадцяти": 16, "сімнадцяти": 17,
    "вісімнадцяти": 18, "дванадцяти": 12, "тринадцяти": 13, "одинадцяти": 11,
    "двадцяти": 20, "тридцяти": 30, "сорока": 40,
}
_WORD_RE = re.compile(r"[\w']+")


def number_word_value(word: str, lemmatizer: Optional[Lemmatizer] = None) -> Optional[int]:
    """Value of a single number word («п'ять», «чотирнадцяти», «fifteen»), else None."""
    w = fix_lookalikes(normalize_apostrophes(word)).lower()
    if w.isdigit():
        return int(w)
    if w in _NUMBER_SURFACE:
        return _NUMBER_SURFACE[w]
    for table in (_UNITS, _TENS, _HUNDREDS):
        if w in table:
            return table[w]
    lem = (lemmatizer or default_lemmatizer()).lemma(w)
    for table in (_UNITS, _TENS, _HUNDREDS):
        if lem in table:
            return table[lem]
    return None


def parse_number(text: str, lemmatizer: Optional[Lemmatizer] = None) -> Optional[int]:
    """First whole number in `text`: digits («15 р.») or words («двадцять п'ять» → 25)."""
    text = normalize_apostrophes(text)
    digits = re.search(r"\d+", text)
    if digits:
        return int(digits.group())
    total: Optional[int] = None
    for word in _WORD_RE.findall(text):
        value = number_word_value(word, lemmatizer)
        if value is None:
            if total is not None:
                break
            continue
        total = (total or 0) + value
    return total


# ---------------------------------------------------------------- document numbers
_LETTER = r"A-Za-zА-ЯІЇЄҐа-яіїєґ"
_DASH = r"\-‐‑–—"
BIRTH_CERT_RE = re.compile(
    rf"(?<![{_LETTER}\d])([IІ1lӀVХX]{{1,4}})\s*[{_DASH}\s]\s*([{_LETTER}]{{2}})\s*[№#]?\s*(\d{{6}})(?!\d)"
)
SERIES_RE = re.compile(rf"(?<![{_LETTER}\d])([{_LETTER}]{{2}})\s?[{_DASH}№#]?\s?(\d{{6}})(?!\d)")
ID_NUMBER_RE = re.compile(r"(?<!\d)(?<!\d[.,/:\-])(\d{3})\s?(\d{3})\s?(\d{3})(?!\d|[.,/:\-]\d)")
# Two-letter words that precede a number without being a series («до 123456»).
_NOT_SERIES = {
    "до", "на", "за", "по", "та", "це", "що", "як", "не", "ні", "чи", "із", "зі", "во", "от",
    "in", "on", "at", "to", "is", "no", "id", "my", "of", "or", "an", "as", "by", "it", "мі",
}


def _canonical_series_letters(letters: str) -> Tuple[str, str]:
    """Returns (letters, kind) where kind is 'booklet' (Cyrillic) or 'foreign' (Latin)."""
    up = letters.upper()
    if _CYRILLIC_RE.search(up):
        return up.translate(_LATIN_TO_CYRILLIC), "booklet"
    as_cyr = up.translate(_LATIN_TO_CYRILLIC)
    if not _LATIN_RE.search(as_cyr):
        # «KB123456» typed on a Latin layout: every letter has a Cyrillic twin → booklet.
        return as_cyr, "booklet"
    return up, "foreign"


def _canonical_roman(part: str) -> str:
    out = []
    for ch in part.upper():
        if ch in "I1ІLӀ":
            out.append("І")
        elif ch in "XХ":
            out.append("X")  # same as tracking/stages.py normalize_number
        else:
            out.append(ch)
    return "".join(out)


def canonical_document_number(raw: str) -> Optional[str]:
    """One canonical form per base document, or None if `raw` is not a document number.

    booklet «кв 123456» / «KB123456» → «КВ123456»; ID card «123 456 789» → «123456789»;
    birth certificate «1-ВЛ 648009» / «I-вл648009» → «І-ВЛ648009» (Roman I as Cyrillic І); foreign passport «fs 341265» → «FS341265».
    """
    text = normalize_apostrophes(raw).strip()
    m = BIRTH_CERT_RE.fullmatch(text)
    if m:
        roman, letters, number = m.groups()
        letters = letters.upper().translate(_LATIN_TO_CYRILLIC)
        return f"{_canonical_roman(roman)}-{letters}{number}"
    m = SERIES_RE.fullmatch(text)
    if m:
        letters, number = m.groups()
        canon, _kind = _canonical_series_letters(letters)
        return f"{canon}{number}"
    m = ID_NUMBER_RE.fullmatch(text)
    if m:
        return "".join(m.groups())
    return None


def find_document_numbers(text: str) -> List[Tuple[int, int, str]]:
    """All document numbers in a message as (start, end, canonical value), left to right."""
    text = normalize_apostrophes(text)
    found: List[Tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in found)

    for m in BIRTH_CERT_RE.finditer(text):
        value = canonical_document_number(m.group())
        if value:
            found.append((m.start(), m.end(), value))
    for m in SERIES_RE.finditer(text):
        letters = m.group(1)
        if letters.lower() in _NOT_SERIES or not free(m.start(), m.end()):
            continue
        value = canonical_document_number(m.group())
        if value:
            found.append((m.start(), m.end(), value))
    for m in ID_NUMBER_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        found.append((m.start(), m.end(), "".join(m.groups())))
    return sorted(found)


def lemma_key(words: Iterable[str], lemmatizer: Optional[Lemmatizer] = None) -> str:
    """A synonym lookup key that is the same for every case form of a phrase."""
    lem = lemmatizer or default_lemmatizer()
    return " ".join(lem.lemma(w) for w in words if any(ch.isalnum() for ch in w))


def phrase_lemma_key(text: str, lemmatizer: Optional[Lemmatizer] = None) -> str:
    return lemma_key(_WORD_RE.findall(normalize_apostrophes(text)), lemmatizer)
