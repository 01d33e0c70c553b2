"""Tracking dialogue: status lookup, subscribe, notifications, unsubscribe, reminders, delete my data."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import threading
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import previous_action
from dmsbot.clock import today as bot_today
from dmsbot.settings import settings
from nlu.faq_decision import OFFER, REMINDER_WORD, bare_passport
from textnorm.chars import LATIN_RE
from textnorm.docnumbers import APPLICATION_NUMBER_RE, PERMITS
from tracking.config_secrets import require_production_secrets
from tracking.log_redaction import install as install_log_redaction
from tracking.reminders import last_day_at_any_office
from tracking.stages import (
    DOC_TYPES,
    REMINDER_STAGES,
    REMINDER_WHEN,
    STAGE_SHORT,
    STAGES,
    TERMINAL_STAGES,
    TRACKING_WORDS,
    BaseNumber,
    doc_type_name,
    find_number_in_text,
    normalize_number,
)

log = logging.getLogger(__name__)
ANY_PERMIT = "temporary_residence_permit"  # the foreign-passport reading is the same for both permits
LONG_DIGITS = re.compile(r"\d{10,20}")
install_log_redaction()  # the action server imports this module
# The action server refuses to start in production without the required secrets (clear message, no traceback).
require_production_secrets()

_store = None
_store_lock = threading.Lock()


def get_store():  # type: ignore[no-untyped-def]
    """The tracking store, opened (and migrated) on first use."""
    global _store
    with _store_lock:
        if _store is None:
            from tracking.store import TrackingStore

            _store = TrackingStore()
        return _store


async def _db(method: str, *args: Any, **kwargs: Any) -> Any:
    """Run a store call in a worker thread: a slow or locked database must not stall other users' turns."""

    def call() -> Any:
        return getattr(get_store(), method)(*args, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(None, call)


def _source_key(tracker: Tracker) -> Optional[str]:
    """The keyed hash of the client's address that connectors/rest.py puts into the message metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    value = metadata.get("source_key") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value.startswith("src:") and len(value) <= 40 else None


# Something typed as a number: three or more digits, spaces or dashes between them allowed.
NUMBER_LIKE = re.compile(r"\d[\d -]+\d")


def _shown(text: str) -> str:
    """What the user typed, short enough to quote back."""
    text = text.strip()
    return text if len(text) <= 30 else text[:27] + "…"


def _entities(tracker: Tracker) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for ent in tracker.latest_message.get("entities") or []:
        out.setdefault(ent.get("entity"), ent.get("value"))
    return out


def _lang(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "uk"


def _doc_name(doc_type: Optional[str], lang: str = "uk") -> str:
    return doc_type_name(doc_type, lang)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def _wait_text(minutes: int, lang: str = "uk") -> str:
    if minutes >= 120:
        return TRACKING_WORDS[lang]["hours"].format(n=round(minutes / 60))
    return TRACKING_WORDS[lang]["minutes"].format(n=max(1, minutes))


def _fmt(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _stage_message(
    dispatcher: CollectingDispatcher,
    stage: str,
    doc_type: str,
    masked: str,
    lang: str = "uk",
    extra: Optional[Dict[str, str]] = None,
) -> None:
    dispatcher.utter_message(
        response=f"utter_tracking_stage_{stage}", doc_name=_doc_name(doc_type, lang), number=masked, **(extra or {})
    )


def _typed_number(text: str, doc_type: Optional[str], entity: Any = None) -> Optional[BaseNumber]:
    """The base document's number in a message. A permit's is the foreigner's passport, read from the words as typed
    (NLU reads «AB123456» as a booklet series in Cyrillic); with no document chosen yet, a Latin-lettered number no
    Ukrainian document has («N4567891») is kept for a permit."""
    base = find_number_in_text(text, doc_type) if doc_type in PERMITS else None
    if base is None and entity:
        base = normalize_number(str(entity))
    if base is None:
        base = find_number_in_text(text)
    if base is None and doc_type is None:
        foreign = find_number_in_text(text, ANY_PERMIT)
        if foreign is not None and LATIN_RE.search(foreign.normalized):
            base = foreign
    return base


# A document button shown after a side question at «which document?»: /track_document{"doc_type": …,
# "document_number": "resume"} — the number typed before the question is kept (it stays in its slot).
RESUME = "resume"
RESUME_TEXT = {
    "uk": "А щодо статусу документа за номером {masked}: оберіть, будь ласка, який документ ви оформлюєте.",
    "en": "As for the status of the document with number {masked}: please choose which document you are applying for.",
}


def tracking_to_resume(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The prompt to go on with a tracking this turn's fee, term or place question left at «which document?» with
    its number already typed (data/rules/tracking.yml leaves the form for the answer), or None."""
    number = tracker.get_slot("document_number")
    events = tracker.events or []
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not number or not users:
        return None
    loop = requested = None
    for event in events[: users[-1]]:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
    base = _typed_number(str(number), None)
    if loop != "tracking_form" or requested != "tracking_doc_type" or base is None:
        return None
    lang = _lang(tracker)
    buttons = [
        {
            "title": _doc_name(doc, lang),
            "payload": f'/track_document{{"doc_type":"{doc}","document_number":"{RESUME}"}}',
        }
        for doc in DOC_TYPES
    ]
    return {"text": RESUME_TEXT[lang].format(masked=base.masked), "buttons": buttons}


class ActionTrackingStart(Action):
    """Takes the document type and number from the first message so the form asks only for the rest."""

    def name(self) -> Text:
        return "action_tracking_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        ents = _entities(tracker)
        text = tracker.latest_message.get("text") or ""
        # «/status N4567891» arrives as /track_document{"document_number": …}: read the number as if typed.
        given = str(ents.get("document_number") or "").strip() if text.startswith("/") else ""
        if given == RESUME:
            # A document button after a side question (tracking_to_resume): the number typed before it.
            given = str(tracker.get_slot("document_number") or "")
        if given:
            text = given
        doc_type = ents.get("doc_type") if ents.get("doc_type") in DOC_TYPES else None
        if doc_type and not text.startswith("/") and bare_passport(tracker.latest_message.get("entities") or [], text):
            # «де мій паспорт КВ123456»: a booklet's number is the base of an ID card and of a passport for travel
            # abroad alike, so the form asks which one was ordered (the number is kept) instead of assuming the ID card.
            doc_type = None
        base = _typed_number(text, doc_type, None if given else ents.get("document_number"))
        number = base.normalized if base else None
        at_number = (
            tracker.active_loop_name == "tracking_form" and tracker.get_slot("requested_slot") == "document_number"
        )
        if number is None and APPLICATION_NUMBER_RE.search(text) and not at_number:
            # «номер заявки 20250312000451 — що з моїм документом?»: say which number the check takes instead (at the
            # number question the form's validation says it).
            dispatcher.utter_message(response="utter_tracking_application_number")
        elif number is None and given:
            # The command's number is unreadable: say so now, not silently ask for it again later.
            dispatcher.utter_message(response="utter_tracking_bad_number", value=_shown(given))
        elif base is not None and doc_type is None and tracker.active_loop_name != "tracking_form":
            # «/status 012345678», or «012345678» typed first: said back as a number typed at «which document?» is (the
            # form's extraction says it there), so the user knows it was read before being asked for the document.
            dispatcher.utter_message(response="utter_tracking_number_kept", number=base.masked)
        if tracker.active_loop_name == "tracking_form":
            # «12345» typed at «which document?» reads as tracking again: say the number is unreadable and keep
            # what the form already has, instead of silently starting over.
            # At the number question the form reads the text itself and explains once.
            typed = NUMBER_LIKE.search(text)
            asks_type = tracker.get_slot("requested_slot") == "tracking_doc_type"
            if number is None and typed and asks_type and not text.startswith("/") and not given:
                dispatcher.utter_message(response="utter_tracking_bad_number", value=_shown(typed.group(0)))
            doc_type = doc_type or tracker.get_slot("tracking_doc_type")
            number = number or tracker.get_slot("document_number")
        return [
            SlotSet("tracking_doc_type", doc_type),
            SlotSet("document_number", number),
            SlotSet("tracking_offer_open", False),
        ]


class ActionTrackingBack(Action):
    """«назад» at the number question: choose the document again (the number typed so far goes too)."""

    def name(self) -> Text:
        return "action_tracking_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        return [SlotSet("tracking_doc_type", None), SlotSet("document_number", None), SlotSet("requested_slot", None)]


class ValidateTrackingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_tracking_form"

    async def extract_document_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A number typed while the form asks which document («001234567») is kept, not asked for again."""
        if tracker.get_slot("requested_slot") != "tracking_doc_type":
            return {}
        base = _typed_number(tracker.latest_message.get("text") or "", None, _entities(tracker).get("document_number"))
        if base is None:
            return {}
        dispatcher.utter_message(response="utter_tracking_number_kept", number=base.masked)
        return {"document_number": base.normalized}

    def validate_tracking_doc_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            # action_tracking_start cleared it: nothing was typed, so there is nothing to object to.
            return {"tracking_doc_type": None}
        if value in DOC_TYPES:
            number = tracker.get_slot("document_number")
            if number and normalize_number(str(number), value) is None:
                # «N4567891» typed before the document was chosen fits a residence permit only.
                dispatcher.utter_message(response="utter_tracking_bad_number", value=_shown(str(number)))
                return {"tracking_doc_type": value, "document_number": None}
            return {"tracking_doc_type": value}
        dispatcher.utter_message(response="utter_tracking_bad_doc_type")
        return {"tracking_doc_type": None}

    def validate_document_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None or not str(value).strip():
            # A cleared slot (or a sticker) is no number: the form asks again, without «could not read «»».
            return {"document_number": None}
        text = str(value)
        if text.startswith("/"):
            # A button or a command is never a number, nor shown back as one («/inform{…}», «/greet»). A document
            # button from the question just above changes the document.
            chosen = _entities(tracker).get("doc_type")
            if chosen in DOC_TYPES:
                return {"tracking_doc_type": chosen, "document_number": None}
            return {"document_number": None}
        doc_type = tracker.get_slot("tracking_doc_type")
        base = normalize_number(text, doc_type) or find_number_in_text(text, doc_type)
        if base is None and doc_type is None:
            # «N4567891» before the document is chosen: kept for a permit (which document is asked next); was «записав»
            # and «не вдалося розпізнати» in one reply, on every try.
            base = _typed_number(text, None)
        if base is not None:
            return {"document_number": base.normalized}
        if APPLICATION_NUMBER_RE.search(text) or LONG_DIGITS.fullmatch(re.sub(r"[\s-]", "", text)):
            # «2024031500123»: too long for any base document, the shape of an application or receipt number.
            dispatcher.utter_message(response="utter_tracking_application_number")
            return {"document_number": None}
        dispatcher.utter_message(response="utter_tracking_bad_number", value=_shown(text))
        return {"document_number": None}


class ActionTrackingStatus(Action):
    """Shows the current stage (lookups are tied to this chat and rate-limited) and offers a subscription."""

    def name(self) -> Text:
        return "action_tracking_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        doc_type = tracker.get_slot("tracking_doc_type")
        base = normalize_number(tracker.get_slot("document_number") or "", doc_type)
        if doc_type not in DOC_TYPES or base is None:
            dispatcher.utter_message(response="utter_ask_tracking_form_document_number")
            return [SlotSet("document_number", None)]
        try:
            result = await _db("lookup", tracker.sender_id, doc_type, base.normalized, source=_source_key(tracker))
            subscribed = any(
                s.doc_type == doc_type and s.masked == base.masked
                for s in await _db("list_subscriptions", tracker.sender_id)
            )
        except Exception:  # the user gets an answer even when the database is down
            log.exception("tracking lookup failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return [SlotSet("document_number", None)]
        if not result.allowed:
            dispatcher.utter_message(
                response="utter_tracking_rate_limited", wait=_wait_text(result.retry_after_minutes, _lang(tracker))
            )
            return [SlotSet("document_number", None)]
        app = result.application
        stage = app.stage if app and app.stage else "not_found"
        dispatcher.utter_message(response="utter_tracking_current")
        _stage_message(dispatcher, stage, doc_type, base.masked, _lang(tracker))
        if subscribed:
            dispatcher.utter_message(response="utter_tracking_already_subscribed")
            return [SlotSet("document_number", None), SlotSet("tracking_offer_open", False)]
        if stage in TERMINAL_STAGES:
            return [SlotSet("document_number", None), SlotSet("tracking_offer_open", False)]
        dispatcher.utter_message(response="utter_tracking_offer_subscribe")
        return [SlotSet("tracking_offer_open", True)]


# The offer's buttons: /affirm{"document_number": "offer"} (and /deny{…}) — a press after another question still means
# this offer (data/rules/tracking.yml), not the yes of whatever came between. The NLU adds the same entity to the
# buttons' titles typed as text.
OFFER_BUTTON = OFFER


def _open_offer(tracker: Tracker) -> Optional[tuple]:
    """(doc_type, number) of a subscription offer not yet answered, or None."""
    doc_type = tracker.get_slot("tracking_doc_type")
    base = normalize_number(tracker.get_slot("document_number") or "", doc_type)
    if not tracker.get_slot("tracking_offer_open") or doc_type not in DOC_TYPES or base is None:
        return None
    return doc_type, base


class ActionTrackingSubscribe(Action):
    def name(self) -> Text:
        return "action_tracking_subscribe"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        offer = _open_offer(tracker)
        if offer is None:
            if _entities(tracker).get("document_number") == OFFER_BUTTON:
                # An old «Так, підписатися» after the offer was answered (or the session ended): say so.
                dispatcher.utter_message(response="utter_tracking_offer_gone")
            else:
                dispatcher.utter_message(response="utter_tracking_nothing_to_confirm")
            return []
        doc_type, base = offer
        try:
            _, created = await _db("subscribe", tracker.sender_id, _channel(tracker), doc_type, base.normalized)
        except Exception:
            log.exception("subscribe failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return []
        if created:
            # Named: the press may come a few questions after the offer.
            lang = _lang(tracker)
            dispatcher.utter_message(
                response="utter_tracking_subscribed", doc_name=_doc_name(doc_type, lang), number=base.masked
            )
        else:
            dispatcher.utter_message(response="utter_tracking_already_subscribed")
        # The number is not needed in the conversation any more.
        return [SlotSet("document_number", None), SlotSet("tracking_offer_open", False)]


class ActionTrackingDecline(Action):
    def name(self) -> Text:
        return "action_tracking_decline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        if _open_offer(tracker) is None and previous_action(tracker) != "action_tracking_status":
            # «ні» (or an old «Ні, дякую») with no offer open: nothing to decline.
            dispatcher.utter_message(response="utter_acknowledged")
            return []
        dispatcher.utter_message(response="utter_tracking_not_subscribed")
        return [SlotSet("document_number", None), SlotSet("tracking_offer_open", False)]


def _previous_responses(tracker: Tracker) -> List[str]:
    """The responses the bot sent between the previous user message and the latest one."""
    said: List[str] = []
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            said.append(str((event.get("metadata") or {}).get("utter_action") or ""))
    return said


class ActionTrackingYesLater(Action):
    """A yes that answers no question of its own (data/rules/common.yml, faq.yml): the FAQ's yes after an FAQ reply,
    else an acknowledgement. While a subscription offer made earlier is still open, such a bare «так» does not
    subscribe to something no longer on screen, nor is it a bare «Добре!»: the offer comes again, naming the document."""

    def name(self) -> Text:
        return "action_tracking_yes_later"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        offer = _open_offer(tracker)
        if offer is not None and "utter_tracking_offer_again" in _previous_responses(tracker):
            # «так» to the offer just asked again: now it is a yes to it.
            return await ActionTrackingSubscribe().run(dispatcher, tracker, domain)
        said = CollectingDispatcher()
        events: List[Dict] = []
        if previous_action(tracker) == "action_faq_answer":
            from actions.faq import ActionFaqAnswer

            events = await ActionFaqAnswer().run(said, tracker, domain)
        else:
            said.utter_message(response="utter_acknowledged")
        if offer is not None and [m.get("response") for m in said.messages] == ["utter_acknowledged"]:
            doc_type, base = offer
            dispatcher.utter_message(
                response="utter_tracking_offer_again", doc_name=_doc_name(doc_type, _lang(tracker)), number=base.masked
            )
            return events
        dispatcher.messages.extend(said.messages)
        return events


class ActionTrackingNotify(Action):
    """Renders a pushed stage change (EXTERNAL_status_changed) with the stage's response.

    Also the last guard against a duplicate: an event whose notification key is already in this
    conversation produces no message.
    """

    def name(self) -> Text:
        return "action_tracking_notify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        ents = _entities(tracker)
        stage = ents.get("stage")
        key = ents.get("notification_key")
        if key and _count_key(tracker, key) > 1:
            log.info("duplicate notification %s suppressed", key)
            return []
        doc_type = ents.get("tracked_doc_type")
        if stage in REMINDER_STAGES:
            extra = {"date": str(ents.get("reminder_date") or "")}
            try:
                expiry = dt.datetime.strptime(extra["date"], "%d.%m.%Y").date()
                extra["deadline"] = _fmt(last_day_at_any_office(expiry))
            except ValueError:
                extra["deadline"] = "—"
            # Lower case: the name follows «Нагадування:» / "Reminder: your".
            dispatcher.utter_message(
                response=f"utter_tracking_stage_{stage}",
                doc_name=doc_type_name(doc_type, _lang(tracker), capital=False),
                **extra,
            )
        elif stage in STAGES:
            _stage_message(dispatcher, stage, doc_type, str(ents.get("number_masked") or ""), _lang(tracker))
        else:
            log.warning("notification with unknown stage %r ignored", stage)
        return []


def _count_key(tracker: Tracker, key: str) -> int:
    n = 0
    for ev in tracker.events:
        if ev.get("event") != "user":
            continue
        for ent in (ev.get("parse_data") or {}).get("entities") or []:
            if ent.get("entity") == "notification_key" and ent.get("value") == key:
                n += 1
    return n


class ActionTrackingList(Action):
    def name(self) -> Text:
        return "action_tracking_list"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        lang = _lang(tracker)
        words = TRACKING_WORDS[lang]
        try:
            subs = await _db("list_subscriptions", tracker.sender_id)
            reminders = await _db("list_reminders", tracker.sender_id)
        except Exception:  # the user gets an answer even when the database is down
            log.exception("listing subscriptions failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return []
        if not subs and not reminders:
            dispatcher.utter_message(response="utter_tracking_no_subscriptions")
            return []
        if subs:
            items = "\n".join(
                f"• {_doc_name(s.doc_type, lang)} ({words['by_document'].format(masked=s.masked)}) — "
                f"{STAGE_SHORT[lang].get(s.stage or 'not_found', s.stage)}"
                for s in subs
            )
            buttons = [{"title": words["unsubscribe"], "payload": "/unsubscribe"}]
            dispatcher.utter_message(response="utter_tracking_subscriptions", items=items, buttons=buttons)
        elif not _asks_reminders_only((tracker.latest_message or {}).get("text") or ""):
            # «мої нагадування» asked for the reminders: «У вас немає підписок» would read as «nothing is there».
            dispatcher.utter_message(response="utter_tracking_no_subscriptions")
        if reminders:
            items = "\n".join(f"• {_doc_name(r.doc_type, lang)}: {_fmt(r.remind_on)}" for r in reminders)
            dispatcher.utter_message(response="utter_tracking_reminders", items=items)
        return []


# The reminder's «cancel» button names no subscription: /unsubscribe{"doc_type": …, "document_number": "reminder"}.
REMINDERS_ONLY = "reminder"
CONSULTATION_BUTTON = {"uk": "🧭 Що потрібно для нового", "en": "🧭 What a new one needs"}
CANCEL_REMINDER = {"uk": "Скасувати нагадування", "en": "Cancel the reminder"}
MY_SUBSCRIPTIONS = {"uk": "📋 Мої підписки", "en": "📋 My subscriptions"}
_ALL_WORDS = re.compile(r"\b(усі|усіх|всі|всіх|все|усе|усього|всього|всего|all|everything|всех|от всего)\b", re.I)


# «скасуй нагадування» names the reminders (REMINDER_WORD, as the routing reads it), not a subscription (a word of
# both means both).
_SUBSCRIPTION_WORDS = re.compile(r"підпис|подпис|сповіщ|subscription|notification", re.I)


def _asks_reminders_only(text: str) -> bool:
    return bool(REMINDER_WORD.search(text)) and not _SUBSCRIPTION_WORDS.search(text)


class ActionTrackingUnsubscribe(Action):
    def name(self) -> Text:
        return "action_tracking_unsubscribe"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        lang = _lang(tracker)
        ents = _entities(tracker)
        text = tracker.latest_message.get("text") or ""
        target = str(ents.get("document_number") or "")
        doc_type = ents.get("doc_type") if ents.get("doc_type") in DOC_TYPES else None
        try:
            subs = await _db("list_subscriptions", tracker.sender_id)
            reminders = await _db("list_reminders", tracker.sender_id)
        except Exception:
            log.exception("listing subscriptions failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return []
        everything = target == "all" or bool(_ALL_WORDS.search(text))
        if target == REMINDERS_ONLY or (not target and not everything and _asks_reminders_only(text)):
            # The reminder's own button (maybe an old one) or «скасуй нагадування»: subscriptions stay as they are.
            if reminders:
                await self._cancel_reminders(dispatcher, tracker, doc_type, lang)
            else:
                dispatcher.utter_message(response="utter_tracking_no_such_reminder", buttons=_my_subscriptions(lang))
            return []
        # An old button for one subscription («КВ****56») never cancels the reminders.
        one_subscription = bool(target) and target != "all"
        if reminders and (everything or (not subs and not one_subscription)):
            # «відпишіть від усього», or «Відписатися» with reminders only: the expiry reminders go.
            if not await self._cancel_reminders(dispatcher, tracker, doc_type, lang) or not subs:
                return []
        if not subs:
            dispatcher.utter_message(response="utter_tracking_no_subscriptions")
            return []
        chosen = subs
        if everything:
            chosen = subs
        elif target or doc_type:
            base = normalize_number(target, doc_type) if target else None
            masked = base.masked if base else target
            chosen = [
                s for s in subs if (not doc_type or s.doc_type == doc_type) and (not masked or s.masked == masked)
            ]
        elif len(subs) > 1:
            buttons = [
                {
                    "title": f"{_doc_name(s.doc_type, lang)} ({s.masked})",
                    "payload": f'/unsubscribe{{"doc_type":"{s.doc_type}","document_number":"{s.masked}"}}',
                }
                for s in subs
            ]
            buttons.append(
                {"title": TRACKING_WORDS[lang]["from_all"], "payload": '/unsubscribe{"document_number":"all"}'}
            )
            dispatcher.utter_message(response="utter_tracking_unsubscribe_which", buttons=buttons)
            return []
        if not chosen:
            # Other subscriptions are still active: «no subscriptions» would be untrue.
            dispatcher.utter_message(response="utter_tracking_no_such_subscription", buttons=_my_subscriptions(lang))
            return []
        try:
            for s in chosen:
                await _db("unsubscribe", tracker.sender_id, subscription_id=s.id)
        except Exception:
            log.exception("unsubscribe failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return []
        items = ", ".join(f"{doc_type_name(s.doc_type, lang, capital=False)} ({s.masked})" for s in chosen)
        dispatcher.utter_message(response="utter_tracking_unsubscribed", items=items)
        return []

    @staticmethod
    async def _cancel_reminders(dispatcher: CollectingDispatcher, tracker: Tracker, doc_type: Any, lang: str) -> bool:
        try:
            gone = await _db("cancel_reminders", tracker.sender_id, doc_type)
        except Exception:
            log.exception("cancelling reminders failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return False
        if gone:
            items = ", ".join(doc_type_name(d, lang, capital=False) for d in gone)
            dispatcher.utter_message(response="utter_tracking_reminders_cancelled", items=items)
        else:
            # Other reminders are still set (this one was cancelled earlier): say that, not «no subscriptions».
            dispatcher.utter_message(response="utter_tracking_no_such_reminder", buttons=_my_subscriptions(lang))
        return True


def _my_subscriptions(lang: str) -> List[Dict[str, str]]:
    return [{"title": MY_SUBSCRIPTIONS[lang], "payload": "/my_subscriptions"}]


class ActionTrackingDeleteAsk(Action):
    def name(self) -> Text:
        return "action_tracking_delete_ask"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        dispatcher.utter_message(response="utter_tracking_delete_confirm")
        return []


async def _forget_conversation(sender_id: str) -> bool:
    """Ask Rasa (tracking/rasa_channel.py) to delete this conversation from its tracker store once the
    current turn is saved; False when Rasa cannot be reached (the reply then does not claim it)."""
    import aiohttp

    from tracking.config_secrets import optional_secret

    url = settings().rasa_url.rstrip("/") + "/webhooks/notifier/forget"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.post(
                url, params={"token": optional_secret("RASA_AUTH_TOKEN") or ""}, json={"sender_id": sender_id}
            ) as resp:
                return resp.status == 202
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.warning("could not ask Rasa to delete a conversation: %s", exc)
        return False


class ActionTrackingDeleteData(Action):
    def name(self) -> Text:
        return "action_tracking_delete_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        try:
            counts = await _db("delete_user_data", tracker.sender_id)
        except Exception:
            log.exception("delete_user_data failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return []
        forgotten = await _forget_conversation(tracker.sender_id)
        en = _lang(tracker) == "en"
        conversation = (
            (" and the history of our conversation" if en else ", а також історію нашої розмови") if forgotten else ""
        )
        dispatcher.utter_message(
            response="utter_tracking_deleted",
            subscriptions=counts["subscriptions"],
            reminders=counts["reminders"],
            conversation=conversation,
        )
        return [
            SlotSet(name, None)
            for name in ("tracking_doc_type", "document_number", "tracking_offer_open", "tracking_reminder_doc_type")
        ]


# «12.03.2027», «12/05/27» (a two-digit year is 20YY), «2027-03-12».
_DATE_RE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def parse_expiry(value: Any, text: str) -> Optional[dt.date]:
    for source in (str(value or ""), text or ""):
        m = _DATE_RE.search(source)
        if not m:
            continue
        try:
            if m.group(1):
                year = int(m.group(3))
                return dt.date(year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(1)))
            return dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            return None
    return None


class ActionTrackingSetReminder(Action):
    def name(self) -> Text:
        return "action_tracking_set_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        ents = _entities(tracker)
        text = tracker.latest_message.get("text") or ""
        doc_type = (
            ents.get("doc_type")
            if ents.get("doc_type") in DOC_TYPES
            else tracker.get_slot("tracking_reminder_doc_type")
        )
        expiry = parse_expiry(ents.get("expiry_date"), text)
        has_date_like = bool(ents.get("expiry_date")) or bool(re.search(r"\d{1,4}[./-]\d{1,2}", text))
        today = bot_today()
        pending = tracker.get_slot("tracking_reminder_doc_type")
        if tracker.get_intent_of_latest_message() == "inform" and not pending and not has_date_like:
            # An unrelated answer after a finished reminder dialogue: let the user choose again.
            dispatcher.utter_message(response="utter_default")
            return []
        if expiry is not None and expiry <= today:
            # Read, but already past: the document has expired, which is no reminder but a new application.
            dispatcher.utter_message(
                response="utter_tracking_reminder_past_date",
                date=_fmt(expiry),
                buttons=[{"title": CONSULTATION_BUTTON[_lang(tracker)], "payload": "/start_consultation"}],
            )
            return [SlotSet("tracking_reminder_doc_type", None)]
        if has_date_like and (expiry is None or expiry.year > today.year + 30):
            dispatcher.utter_message(
                response="utter_tracking_reminder_bad_date", value=str(ents.get("expiry_date") or text)[:30]
            )
            return [SlotSet("tracking_reminder_doc_type", doc_type)]
        if doc_type not in DOC_TYPES:
            date_part = f',"expiry_date":"{_fmt(expiry)}"' if expiry else ""
            buttons = [
                {
                    "title": doc_type_name(d, _lang(tracker)),
                    "payload": f'/set_expiry_reminder{{"doc_type":"{d}"{date_part}}}',
                }
                for d in DOC_TYPES
            ]
            dispatcher.utter_message(response="utter_tracking_reminder_which_doc", buttons=buttons)
            return []
        if expiry is None:
            dispatcher.utter_message(response="utter_tracking_reminder_ask_date")
            return [SlotSet("tracking_reminder_doc_type", doc_type)]
        try:
            reminders = await _db("set_expiry_reminder", tracker.sender_id, _channel(tracker), doc_type, expiry, today)
        except Exception:
            log.exception("set_expiry_reminder failed")
            dispatcher.utter_message(response="utter_tracking_error")
            return [SlotSet("tracking_reminder_doc_type", doc_type)]
        lang = _lang(tracker)

        def when(kind: str) -> str:
            if kind == "permit_exchange_deadline" and last_day_at_any_office(expiry) < today:
                kind = "permit_dms_only"  # «ще приймають і ЦНАП» would no longer be true
            return REMINDER_WHEN[lang].get(kind, "")

        dates = TRACKING_WORDS[lang]["and"].join(f"{_fmt(r.remind_on)} ({when(r.kind)})" for r in reminders)
        cancel = {
            "title": CANCEL_REMINDER[lang],
            "payload": f'/unsubscribe{{"doc_type":"{doc_type}","document_number":"{REMINDERS_ONLY}"}}',
        }
        dispatcher.utter_message(
            response="utter_tracking_reminder_set",
            doc_name=_doc_name(doc_type, lang),
            date=_fmt(expiry),
            dates=dates,
            buttons=[cancel],
        )
        return [SlotSet("tracking_reminder_doc_type", None)]
