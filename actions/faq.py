"""FAQ answers: the best entry with its source and date when the retriever is sure, «Можливо, ви питаєте про…» with
the likeliest entries as buttons when it is not (never a confident wrong answer). Texts come from kb/faq."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from actions.common import conversation_language, knowledge_base, today
from dmsbot.settings import settings
from kbengine.faq import FAQ_ENTITY, FaqBase, cached_faq, entry_buttons, followup_buttons, render_answer

logger = logging.getLogger(__name__)

DID_YOU_MEAN = {"uk": "Можливо, ви питаєте про:", "en": "Did you mean:"}
OTHER_QUESTION = {"uk": "Інше питання", "en": "Something else"}
CONSULTATION_OFFER = {"uk": "🧭 Точний перелік для мене", "en": "🧭 An exact checklist for me"}
MAX_SUGGESTIONS = 3
MIN_SUGGESTION_SHARE = 0.5  # a suggestion scores at least half of the best one


def faq_base() -> FaqBase:
    return cached_faq(settings().dmsbot_kb_dir)


def requested_entry(tracker: Tracker, faq: FaqBase) -> Optional[str]:
    """An entry named by a button payload (/faq{"faq_id": "..."})."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == FAQ_ENTITY and entity.get("value") in faq.entries:
            return entity["value"]
    return None


def answer_buttons(entry_id: str, faq: FaqBase, lang: str) -> List[Dict[str, str]]:
    entry = faq.entry(entry_id)
    buttons = followup_buttons(entry, faq, lang)
    # Answer first, then refine: the precise checklist is one press away when the entry is about a document.
    if (
        entry.documents
        and len(buttons) < 3
        and not any(f.startswith(("consultation:", "documents:")) for f in entry.followups)
    ):
        buttons.append(
            {"title": CONSULTATION_OFFER[lang], "payload": f'/start_consultation{{"doc_type":"{entry.documents[0]}"}}'}
        )
    return buttons


class ActionFaqAnswer(Action):
    def name(self) -> Text:
        return "action_faq_answer"

    async def run(self, dispatcher, tracker: Tracker, domain) -> List[EventType]:
        faq = faq_base()
        lang = conversation_language(tracker)
        entry_id = requested_entry(tracker, faq)
        retrieved: Dict[str, Any] = tracker.latest_message.get("faq") or {}
        ranking = [r for r in retrieved.get("ranking") or [] if r.get("id") in faq.entries]
        if entry_id is None and ranking and retrieved.get("confident"):
            entry_id = ranking[0]["id"]
        if entry_id is not None:
            text = render_answer(faq.entry(entry_id), knowledge_base(), lang, today())
            dispatcher.utter_message(text=text, buttons=answer_buttons(entry_id, faq, lang))
            return []
        if not ranking:
            dispatcher.utter_message(response="utter_default")
            return []
        best = ranking[0]["score"]
        likely = [r["id"] for r in ranking if r["score"] >= best * MIN_SUGGESTION_SHARE][:MAX_SUGGESTIONS]
        buttons = entry_buttons(likely, faq, lang) + [{"title": OTHER_QUESTION[lang], "payload": "/out_of_scope"}]
        dispatcher.utter_message(text=DID_YOU_MEAN[lang], buttons=buttons)
        return []
