"""Which language to answer in: English for English messages, Ukrainian for everything else.

Russian and surzhyk get Ukrainian too (the language of state services). A message without words of either
script (a number, a date, «ok», a button payload) says nothing, and the conversation keeps its language.
"""

from __future__ import annotations

import re
from typing import Optional

UK, EN = "uk", "en"
LANGUAGES = (UK, EN)
# Latin words Ukrainian speakers use too; alone they do not switch the conversation to English.
NEUTRAL_LATIN = {"ok", "okay", "id", "ok.", "pdf", "viber", "telegram", "ua", "dms", "cnap", "diia", "privat24"}
_TOKEN = re.compile(r"[^\s,.;:!?()«»\"“”„/\\]+")
_CYRILLIC = re.compile(r"[а-яіїєґёъыэ]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*", re.IGNORECASE)
# Rasa's text of an event pushed through trigger_intent («EXTERNAL: EXTERNAL_status_changed»): nobody typed it.
EXTERNAL_PREFIX = "EXTERNAL: "


def detect_language(text: Optional[str]) -> Optional[str]:
    """'en', 'uk', or None when the message gives no evidence (then keep the conversation's language)."""
    if not text or text.startswith(("/", EXTERNAL_PREFIX)):
        return None
    latin = cyrillic = 0
    for token in _TOKEN.findall(text[:1000]):
        if _CYRILLIC.search(token):
            cyrillic += 1
        elif _LATIN_WORD.fullmatch(token) and token.lower() not in NEUTRAL_LATIN:
            latin += 1
    if latin == cyrillic == 0:
        return None
    return EN if latin > cyrillic else UK
