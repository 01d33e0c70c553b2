"""Whole numbers as people type them: «15», «-3», «п'ять», «чотирнадцяти», «сорока», «двадцять два», «fifteen»."""

from __future__ import annotations

import re
from typing import Dict, Optional

from textnorm.chars import fix_lookalikes, normalize_apostrophes, words
from textnorm.lemmas import Lemmatizer, default_lemmatizer

UNITS: Dict[str, int] = {
    # Ukrainian
    "нуль": 0,
    "один": 1,
    "одна": 1,
    "два": 2,
    "дві": 2,
    "три": 3,
    "чотири": 4,
    "п'ять": 5,
    "шість": 6,
    "сім": 7,
    "вісім": 8,
    "дев'ять": 9,
    "десять": 10,
    "одинадцять": 11,
    "дванадцять": 12,
    "тринадцять": 13,
    "чотирнадцять": 14,
    "п'ятнадцять": 15,
    "шістнадцять": 16,
    "сімнадцять": 17,
    "вісімнадцять": 18,
    "дев'ятнадцять": 19,
    # Russian
    "две": 2,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "одиннадцать": 11,
    "двенадцать": 12,
    "тринадцать": 13,
    "четырнадцать": 14,
    "пятнадцать": 15,
    "шестнадцать": 16,
    "семнадцать": 17,
    "восемнадцать": 18,
    "девятнадцать": 19,
    # English
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: Dict[str, int] = {
    "двадцять": 20,
    "тридцять": 30,
    "сорок": 40,
    "п'ятдесят": 50,
    "шістдесят": 60,
    "сімдесят": 70,
    "вісімдесят": 80,
    "дев'яносто": 90,
    "двадцать": 20,
    "тридцать": 30,
    "пятьдесят": 50,
    "шестьдесят": 60,
    "семьдесят": 70,
    "восемьдесят": 80,
    "девяносто": 90,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
HUNDREDS: Dict[str, int] = {"сто": 100, "hundred": 100}
# Oblique forms pymorphy3 does not always lemmatise to the numeral («сорока» is also a magpie).
SURFACE: Dict[str, int] = {
    "п'яти": 5,
    "пяти": 5,
    "шести": 6,
    "семи": 7,
    "сьоми": 7,
    "восьми": 8,
    "дев'яти": 9,
    "десяти": 10,
    "чотирьох": 4,
    "трьох": 3,
    "двох": 2,
    "одинадцяти": 11,
    "дванадцяти": 12,
    "тринадцяти": 13,
    "чотирнадцяти": 14,
    "п'ятнадцяти": 15,
    "шістнадцяти": 16,
    "сімнадцяти": 17,
    "вісімнадцяти": 18,
    "дев'ятнадцяти": 19,
    "двадцяти": 20,
    "тридцяти": 30,
    "сорока": 40,
}
MINUS_WORDS = {"мінус", "минус", "minus"}
MAX_DIGITS = 4  # ages and counts; a longer run of digits is a document or phone number, not an answer

# The first integer that is not part of a decimal («1,5») or a longer number; a minus directly before it counts
# unless it joins two numbers («14-15»).
_DIGITS_RE = re.compile(r"(?:(?<![\w.,\-−])([\-−]))?(?<![\d.,])(\d+)(?![.,]?\d)")


def number_word_value(word: str, lemmatizer: Optional[Lemmatizer] = None) -> Optional[int]:
    """Value of a single number word («п'ять», «чотирнадцяти», «fifteen»), else None."""
    w = fix_lookalikes(normalize_apostrophes(word)).lower()
    if w.isdecimal():  # not isdigit(): «²» is a digit int() refuses
        return int(w) if len(w) <= MAX_DIGITS else None
    if w in SURFACE:
        return SURFACE[w]
    for table in (UNITS, TENS, HUNDREDS):
        if w in table:
            return table[w]
    if not w.replace("'", "").isalpha():
        return None
    lem = (lemmatizer or default_lemmatizer()).lemma(w)
    for table in (UNITS, TENS, HUNDREDS):
        if lem in table:
            return table[lem]
    return None


def parse_number(text: str, lemmatizer: Optional[Lemmatizer] = None) -> Optional[int]:
    """The first whole number in `text`, with its sign: digits («мені -3» → -3) or words («двадцять п'ять» → 25).

    Runs of more than MAX_DIGITS digits are skipped (never int() of a 5,000-digit string).
    """
    text = normalize_apostrophes(text or "")
    for match in _DIGITS_RE.finditer(text):
        sign, digits = match.groups()
        if len(digits) <= MAX_DIGITS:
            return -int(digits) if sign else int(digits)
    total: Optional[int] = None
    negative = False
    previous = ""
    for word in words(text):
        value = number_word_value(word, lemmatizer) if not word.isdecimal() else None
        if value is None:
            if total is not None:
                break
            previous = word
            continue
        if total is None:
            negative = previous in MINUS_WORDS
        total = (total or 0) + value
        if value < 20:
            break  # a unit ends the number: «двадцять п'ять», not «п'ять шість»
    if total is None:
        return None
    return -total if negative else total
