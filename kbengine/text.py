"""Recognises a free-text answer to a consultation question («вкрали», «мені 15», «я переселенець»)."""

from __future__ import annotations

from typing import Any, Iterable, Set

from kbengine.model import Question
from textnorm import lemma_forms, parse_number, words


def lemma_set(text: str) -> Set[str]:
    """Every word of the text plus its Ukrainian and Russian dictionary forms."""
    result: Set[str] = set()
    for word in words(text):
        result |= lemma_forms(word)
    return result


def _keyword_matches(keyword: str, lemmas: Set[str]) -> bool:
    parts = words(keyword)
    return bool(parts) and all(lemma_forms(p) & lemmas for p in parts)


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
