"""Which language to answer in: English for English messages, Ukrainian for everything else.

Russian and surzhyk get Ukrainian too (the language of state services). A message without words of either
script (a number, a date, «ok», a button payload) says nothing, and the conversation keeps its language.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

UK, EN = "uk", "en"
LANGUAGES = (UK, EN)
# Latin words Ukrainian speakers use too; alone they do not switch the conversation to English.
NEUTRAL_LATIN = {"ok", "okay", "id", "ok.", "pdf", "viber", "telegram", "ua", "dms", "cnap", "diia", "privat24", "stop"}
_TOKEN = re.compile(r"[^\s,.;:!?()«»\"“”„/\\]+")
_CYRILLIC = re.compile(r"[а-яіїєґёъыэ]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*", re.IGNORECASE)
# Rasa's text of an event pushed through trigger_intent («EXTERNAL: EXTERNAL_status_changed»): nobody typed it.
EXTERNAL_PREFIX = "EXTERNAL: "


# English grammar words frame a question around a quoted Ukrainian status: "what does Документ персоналізовано та
# відправлено до підрозділу міграційної служби mean". Each counts twice; a name or a noun counts once.
ENGLISH_FRAME = {
    "what",
    "does",
    "do",
    "did",
    "is",
    "are",
    "am",
    "was",
    "the",
    "an",
    "my",
    "me",
    "i",
    "i'm",
    "how",
    "when",
    "where",
    "which",
    "why",
    "can",
    "could",
    "should",
    "will",
    "would",
    "mean",
    "means",
    "meaning",
    "it",
    "this",
    "that",
    "to",
    "for",
    "of",
    "and",
    "next",
    "please",
    "with",
    "from",
    "have",
    "has",
    "need",
    "we",
    "you",
    "your",
    "says",
    "say",
}


def word_counts(text: str) -> Tuple[int, int]:
    """(English weight, Cyrillic words) of a message."""
    latin = cyrillic = 0
    tokens = _TOKEN.findall(text[:1000])
    for token in tokens:
        if any(ch.isdigit() for ch in token):
            continue  # «АВ1234567», "N4567891": a number says nothing of the language
        if _CYRILLIC.search(token):
            cyrillic += 1
        elif _LATIN_WORD.fullmatch(token) and token.lower() not in NEUTRAL_LATIN:
            latin += 2 if token.lower() in ENGLISH_FRAME else 1
    if tokens and tokens[0].lower() in ENGLISH_FRAME:
        latin += 3  # a message that opens in English is asked in English
    return latin, cyrillic


def detect_language(text: Optional[str]) -> Optional[str]:
    """'en', 'uk', or None when the message gives no evidence (then keep the conversation's language)."""
    if not text or text.startswith(("/", EXTERNAL_PREFIX)):
        return None
    latin, cyrillic = word_counts(text)
    if latin == cyrillic == 0:
        return None
    return EN if latin > cyrillic else UK


def mixes_in_english(text: Optional[str]) -> bool:
    """At least two English words beside Cyrillic ones: an English speaker may be quoting or naming something."""
    if not text or text.startswith(("/", EXTERNAL_PREFIX)):
        return False
    latin, cyrillic = word_counts(text)
    return latin >= 3 and cyrillic > 0
