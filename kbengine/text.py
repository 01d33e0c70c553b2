"""Recognises a free-text answer to a consultation question («вкрали», «мені 15», «я переселенець»)."""
from __future__ import annotations

import functools
import re
from typing import Any, Iterable, List, Optional, Set

from kbengine.model import Question

APOSTROPHES = re.compile(r"[’ʼ`´‘′]")
WORD = re.compile(r"[\w']+", re.UNICODE)

# Number words people type for an age; Ukrainian and Russian spellings.
_UNITS = {
    "нуль": 0, "один": 1, "одна": 1, "два": 2, "дві": 2, "две": 2, "три": 3, "чотири": 4, "четыре": 4,
    "п'ять": 5, "пять": 5, "шість": 6, "шесть": 6, "сім": 7, "семь": 7, "вісім": 8, "восемь": 8,
    "дев'ять": 9, "девять": 9, "десять": 10, "одинадцять": 11, "одиннадцать": 11, "дванадцять": 12,
    "двенадцать": 12, "тринадцять": 13, "тринадцать": 13, "чотирнадцять": 14, "четырнадцать": 14,
    "п'ятнадцять": 15, "пятнадцать": 15, "шістнадцять": 16, "шестнадцать": 16, "сімнадцять": 17,
    "семнадцать": 17, "вісімнадцять": 18, "восемнадцать": 18, "дев'ятнадцять": 19, "девятнадцать": 19,
}
_TENS = {
    "двадцять": 20, "двадцать": 20, "тридцять": 30, "тридцать": 30, "сорок": 40, "п'ятдесят": 50,
    "пятьдесят": 50, "шістдесят": 60, "шестьдесят": 60, "сімдесят": 70, "семьдесят": 70, "вісімдесят": 80,
    "восемьдесят": 80, "дев'яносто": 90, "девяносто": 90, "сто": 100,
}


def normalize(text: str) -> str:
    return APOSTROPHES.sub("'", text or "").lower()


def words(text: str) -> List[str]:
    return [w.strip("'") for w in WORD.findall(normalize(text)) if w.strip("'")]


@functools.lru_cache(maxsize=1)
def _analyzers():
    import pymorphy3  # heavy: loaded once, on first use

    analyzers = [pymorphy3.MorphAnalyzer(lang="uk")]
    try:
        analyzers.append(pymorphy3.MorphAnalyzer(lang="ru"))
    except Exception:  # the Russian dictionary is optional
        pass
    return analyzers


@functools.lru_cache(maxsize=50_000)
def lemmas_of(word: str) -> frozenset:
    """The word itself plus its dictionary forms in Ukrainian and Russian."""
    forms = {word}
    if word.isalpha() or "'" in word:
        for analyzer in _analyzers():
            parses = analyzer.parse(word)
            if parses:
                forms.add(parses[0].normal_form.replace("’", "'"))
    return frozenset(forms)


def lemma_set(text: str) -> Set[str]:
    result: Set[str] = set()
    for word in words(text):
        result |= lemmas_of(word)
    return result


def _keyword_matches(keyword: str, lemmas: Set[str]) -> bool:
    parts = words(keyword)
    return bool(parts) and all(lemmas_of(p) & lemmas for p in parts)


def parse_number(text: str) -> Optional[int]:
    """First whole number in the text, in digits or words («мені 15», «п'ять років», «двадцять два»)."""
    text = normalize(text)
    match = re.search(r"(?<![\d.,])-?\d{1,4}(?![\d.,]?\d)", text)
    if match:
        return int(match.group())
    total = None
    for word in words(text):
        if word in _TENS:
            total = (total or 0) + _TENS[word]
        elif word in _UNITS:
            total = (total or 0) + _UNITS[word]
            break
        elif total is not None:
            break
    return total


def parse_answer(question: Question, text: str) -> Any:
    """The option value the text names, or None when it names none or several different ones."""
    if not text or not text.strip():
        return None
    if question.type == "number":
        return parse_number(text)
    lemmas = lemma_set(text)
    found = {o.value for o in question.options if any(_keyword_matches(k, lemmas) for k in o.keywords)}
    if question.type == "boolean" and found == {True, False}:
        # «так, я переселенець» names both «так» and a negation-free yes; «ні, не ВПО» only no.
        found = {False} if {"ні", "нет", "no", "не"} & lemmas else {True}
    return found.pop() if len(found) == 1 else None


def iter_options(question: Question) -> Iterable[Any]:
    return (o.value for o in question.options)
