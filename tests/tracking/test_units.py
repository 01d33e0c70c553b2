"""Small pure functions: flood-control parsing, reminder dates, stage rules, action helpers."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracking import ActionTrackingNotify, ActionTrackingStart, ValidateTrackingForm, parse_expiry
from tracking.ratelimit import parse_retry_after
from tracking.reminders import last_day_at_any_office, minus_months
from tracking.stages import is_advance


@pytest.mark.parametrize(
    "status, body, header, expected",
    [
        (429, "", "7", 7.0),
        (
            500,
            '{"message": "An unexpected error occurred. Error: Flood control exceeded. Retry in 12 seconds"}',
            None,
            12.0,
        ),
        (500, "Error: sendMessage to 42: flood limit 150.0s", None, 150.0),
        (500, '{"retry_after": 3}', None, 3.0),
        (429, "slow down", None, 1.0),
        (500, "boom", None, None),
        (404, "not found", None, None),
    ],
)
def test_parse_retry_after(status, body, header, expected):
    assert parse_retry_after(status, body, header) == expected


def test_reminder_dates():
    assert minus_months(dt.date(2027, 3, 31), 1) == dt.date(2027, 2, 28)
    assert minus_months(dt.date(2027, 1, 15), 1) == dt.date(2026, 12, 15)
    # 15 working days before Monday 2027-03-15 is Monday 2027-02-22.
    assert last_day_at_any_office(dt.date(2027, 3, 15)) == dt.date(2027, 2, 22)


def test_stage_rules():
    assert is_advance(None, 0, "arrived")
    assert not is_advance("arrived", 5, "submitted")
    assert is_advance("suspended", 3, "sent_to_personalization")
    assert not is_advance("suspended", 3, "approved_for_personalization")
    assert not is_advance("refused", 2, "arrived")


def test_parse_expiry_formats():
    assert parse_expiry("2027-03-12", "") == dt.date(2027, 3, 12)
    assert parse_expiry(None, "паспорт дійсний до 12.03.2027") == dt.date(2027, 3, 12)
    assert parse_expiry(None, "до 31.02.2027") is None
    assert parse_expiry(None, "колись") is None


def _tracker(events, entities=None, text="", intent="inform", slots=None, active_loop=None):
    return Tracker(
        "u1",
        dict(slots or {}),
        {"intent": {"name": intent}, "entities": entities or [], "text": text},
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def test_a_foreign_passport_number_before_the_document_is_kept_for_a_permit():
    # «N4567891» at «which document?»: extracted, then validated with no document yet — it used to be «записав» and
    # «не вдалося розпізнати» in one reply, on every try.
    v, d = ValidateTrackingForm(), CollectingDispatcher()
    asking = _tracker([], text="N4567891", slots={"requested_slot": "tracking_doc_type"})
    assert v.validate_document_number("N4567891", d, asking, {}) == {"document_number": "N4567891"}
    assert v.validate_document_number("passport AB1234567", d, asking, {}) == {"document_number": "AB1234567"}
    assert d.messages == []
    # Once a Ukrainian document is chosen the same number does not fit it.
    chosen = _tracker([], slots={"tracking_doc_type": "id_card", "document_number": "N4567891"})
    assert v.validate_tracking_doc_type("id_card", d, chosen, {}) == {
        "tracking_doc_type": "id_card",
        "document_number": None,
    }
    assert d.messages[0]["response"] == "utter_tracking_bad_number"


def test_validate_number_accepts_variants_and_explains_errors():
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    assert v.validate_document_number("мій номер кв 123456", d, _tracker([]), {}) == {"document_number": "КВ123456"}
    assert d.messages == []
    assert v.validate_document_number("КВ12", d, _tracker([]), {}) == {"document_number": None}
    assert d.messages[0]["response"] == "utter_tracking_bad_number"
    assert d.messages[0]["value"] == "КВ12"


async def test_an_application_number_is_explained_not_called_unreadable():
    """«номер заявки 20250312000451»: the status check takes the base document's number, and the bot says so."""
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    assert v.validate_document_number("20250312000451", d, _tracker([]), {}) == {"document_number": None}
    assert [m["response"] for m in d.messages] == ["utter_tracking_application_number"]
    d.messages.clear()
    start = ActionTrackingStart()
    text = "номер заявки 20250312000451 — що з моїм документом?"
    events = await start.run(d, _tracker([], text=text, intent="track_document"), {})
    assert [m["response"] for m in d.messages] == ["utter_tracking_application_number"]
    assert {e["name"]: e["value"] for e in events}["document_number"] is None
    d.messages.clear()
    slots = {"tracking_doc_type": "id_card", "document_number": None, "requested_slot": "document_number"}
    at_number = _tracker([], text="20250312000451", intent="track_document", slots=slots, active_loop="tracking_form")
    await start.run(d, at_number, {})
    assert d.messages == []  # validate_document_number says it, once
    # A 9-digit ID-card number next to a date is read as the number; nothing to explain.
    id_card = [{"entity": "doc_type", "value": "id_card"}]
    text = "айді 001234567, подавала 2025-03-12"
    events = await start.run(d, _tracker([], id_card, text=text, intent="track_document"), {})
    assert d.messages == []
    assert {e["name"]: e["value"] for e in events}["document_number"] == "001234567"


def test_validators_say_nothing_about_slots_cleared_when_tracking_starts():
    # «хочу відстежити свій паспорт»: action_tracking_start clears both slots and the form validates them on
    # activation; the user typed neither, so only the form's question may follow (no «could not read «»»).
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    assert v.validate_tracking_doc_type(None, d, _tracker([]), {}) == {"tracking_doc_type": None}
    assert v.validate_document_number(None, d, _tracker([]), {}) == {"document_number": None}
    assert v.validate_document_number("  ", d, _tracker([]), {}) == {"document_number": None}
    assert d.messages == []
    assert v.validate_tracking_doc_type("driving_licence", d, _tracker([]), {}) == {"tracking_doc_type": None}
    assert [m["response"] for m in d.messages] == ["utter_tracking_bad_doc_type"]


async def test_a_number_typed_when_asked_which_document_is_kept():
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    asked_type = _tracker([], text="ой, це айдішка 001234567")
    asked_type.slots["requested_slot"] = "tracking_doc_type"
    assert await v.extract_document_number(d, asked_type, {}) == {"document_number": "001234567"}
    assert [(m["response"], m["number"]) for m in d.messages] == [("utter_tracking_number_kept", "00*****67")]
    d.messages.clear()
    no_number = _tracker([], text="айдішка")
    no_number.slots["requested_slot"] = "tracking_doc_type"
    assert await v.extract_document_number(d, no_number, {}) == {}
    asked_number = _tracker([], text="001234567")
    asked_number.slots["requested_slot"] = "document_number"
    assert await v.extract_document_number(d, asked_number, {}) == {}  # the form's own mapping reads it
    assert d.messages == []


async def test_tracking_asked_again_inside_the_form_keeps_its_answers():
    """«12345» at «which document?» parses as tracking again: the bot says it cannot read the number and keeps what
    the form has; outside the form tracking starts afresh from the message."""
    start = ActionTrackingStart()
    d = CollectingDispatcher()
    slots = {"tracking_doc_type": None, "document_number": "001234567", "requested_slot": "tracking_doc_type"}
    inside = _tracker([], text="12345", intent="track_document", slots=slots, active_loop="tracking_form")
    events = await start.run(d, inside, {})
    assert [(m["response"], m["value"]) for m in d.messages] == [("utter_tracking_bad_number", "12345")]
    assert {e["name"]: e["value"] for e in events} == {
        "tracking_doc_type": None,
        "document_number": "001234567",
        "tracking_offer_open": False,
    }
    d.messages.clear()
    # At the number question the form's own validation explains «12345» (no second message here).
    slots = {"tracking_doc_type": "id_card", "document_number": "12345", "requested_slot": "document_number"}
    at_number = _tracker([], text="12345", intent="track_document", slots=slots, active_loop="tracking_form")
    events = await start.run(d, at_number, {})
    assert d.messages == []
    assert {e["name"]: e["value"] for e in events}["tracking_doc_type"] == "id_card"
    card = [{"entity": "doc_type", "value": "id_card"}]
    outside = _tracker([], entities=card, text="де моя айдішка", intent="track_document")
    outside.slots["document_number"] = "001234567"
    events = await start.run(d, outside, {})
    assert d.messages == []
    assert {e["name"]: e["value"] for e in events} == {
        "tracking_doc_type": "id_card",
        "document_number": None,
        "tracking_offer_open": False,
    }


async def test_notify_renders_the_stage_once_per_key():
    ents = [
        {"entity": "stage", "value": "arrived"},
        {"entity": "tracked_doc_type", "value": "id_card"},
        {"entity": "number_masked", "value": "КВ****56"},
        {"entity": "notification_key", "value": "k1"},
    ]
    event = {"event": "user", "parse_data": {"intent": {"name": "EXTERNAL_status_changed"}, "entities": ents}}
    d = CollectingDispatcher()
    await ActionTrackingNotify().run(d, _tracker([event], ents, intent="EXTERNAL_status_changed"), {})
    assert [(m["response"], m["doc_name"], m["number"]) for m in d.messages] == [
        ("utter_tracking_stage_arrived", "ID-картка", "КВ****56")
    ]
    d = CollectingDispatcher()
    await ActionTrackingNotify().run(d, _tracker([event, event], ents, intent="EXTERNAL_status_changed"), {})
    assert d.messages == []  # the same key already in the conversation


async def test_status_action_shows_stage_offers_and_rate_limits(tmp_path, monkeypatch):
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import RateLimits, TrackingStore

    store = TrackingStore(
        make_engine(f"sqlite:///{tmp_path / 't.db'}"), limits=RateLimits(lookups_per_hour=10, distinct_per_day=2)
    )
    monkeypatch.setattr(at, "_store", store)
    store.apply_status("id_card", "КВ123456", "arrived")

    def tracker(number):
        t = _tracker([])
        t.slots = {"tracking_doc_type": "id_card", "document_number": number}
        return t

    d = CollectingDispatcher()
    events = await at.ActionTrackingStatus().run(d, tracker("КВ123456"), {})
    assert [m["response"] for m in d.messages] == [
        "utter_tracking_current",
        "utter_tracking_stage_arrived",
        "utter_tracking_offer_subscribe",
    ]
    assert {"event": "slot", "name": "tracking_offer_open", "value": True, "timestamp": None} in events
    d = CollectingDispatcher()
    await at.ActionTrackingStatus().run(d, tracker("КВ000001"), {})
    assert d.messages[1]["response"] == "utter_tracking_stage_not_found"
    d = CollectingDispatcher()
    await at.ActionTrackingStatus().run(d, tracker("КВ000002"), {})  # a third document today
    assert [(m["response"], m["wait"]) for m in d.messages] == [("utter_tracking_rate_limited", "24 год")]
    store.engine.dispose()


@pytest.mark.parametrize(
    "typed,number",
    [("N4567891", "N4567891"), ("e12345678", "E12345678"), ("AB 1234567", "AB1234567"), ("AB123456", "AB123456")],
)
def test_a_permit_takes_the_foreigners_passport_number_as_typed(typed, number):
    # A residence permit is issued on the foreigner's own passport: any common shape, and Latin stays Latin (a
    # Ukrainian booklet's «АВ123456» would never match the status feed).
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    permit = _tracker([], slots={"tracking_doc_type": "temporary_residence_permit"})
    assert v.validate_document_number(typed, d, permit, {}) == {"document_number": number}
    assert d.messages == []
    # For an ID card the same letters are a booklet series, and «N4567891» is no number.
    id_card = _tracker([], slots={"tracking_doc_type": "id_card"})
    assert v.validate_document_number("AB123456", d, id_card, {}) == {"document_number": "АВ123456"}
    assert v.validate_document_number("N4567891", d, id_card, {}) == {"document_number": None}


async def test_a_permit_number_in_the_first_message_is_read_as_typed():
    d = CollectingDispatcher()
    entities = [{"entity": "doc_type", "value": "permanent_residence_permit"}]
    text = "check my permanent residence permit, passport number is N 4567891"
    events = await ActionTrackingStart().run(d, _tracker([], entities, text, "track_document"), {})
    assert {e["name"]: e["value"] for e in events}["document_number"] == "N4567891"


def test_a_long_number_is_explained_as_an_application_number():
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    assert v.validate_document_number("2024031500123", d, _tracker([]), {}) == {"document_number": None}
    assert [m["response"] for m in d.messages] == ["utter_tracking_application_number"]


async def test_a_reminder_can_be_cancelled_from_its_own_button(tmp_path, monkeypatch):
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    monkeypatch.setattr(at, "_store", store)
    store.set_expiry_reminder("u1", "rest", "id_card", dt.date(2027, 3, 12), dt.date(2026, 12, 3))
    store.set_expiry_reminder("u1", "rest", "foreign_passport", dt.date(2027, 5, 12), dt.date(2026, 12, 3))
    store.subscribe("u1", "rest", "id_card", "КВ123456")
    # The button under «Готово! … Я нагадаю …»: that document's reminder goes, the status subscription stays.
    button = [{"entity": "doc_type", "value": "id_card"}, {"entity": "document_number", "value": at.REMINDERS_ONLY}]
    d = CollectingDispatcher()
    assert await at.ActionTrackingUnsubscribe().run(d, _tracker([], button, intent="unsubscribe"), {}) == []
    assert [(m["response"], m["items"]) for m in d.messages] == [("utter_tracking_reminders_cancelled", "ID-картка")]
    assert [r.doc_type for r in store.list_reminders("u1")] == ["foreign_passport"]
    assert len(store.list_subscriptions("u1")) == 1
    # «відпишіть від усього»: the subscription and the other reminder go too.
    d = CollectingDispatcher()
    await at.ActionTrackingUnsubscribe().run(d, _tracker([], text="відпишіть від усього", intent="unsubscribe"), {})
    assert [m["response"] for m in d.messages] == ["utter_tracking_reminders_cancelled", "utter_tracking_unsubscribed"]
    assert store.list_reminders("u1") == [] and store.list_subscriptions("u1") == []
    store.engine.dispose()


def test_a_button_or_command_at_the_number_question_is_no_number():
    v = ValidateTrackingForm()
    d = CollectingDispatcher()
    slots = {"tracking_doc_type": "id_card"}
    switch = _tracker([], [{"entity": "doc_type", "value": "foreign_passport"}], slots=slots)
    assert v.validate_document_number('/inform{"doc_type":"foreign_passport"}', d, switch, {}) == {
        "tracking_doc_type": "foreign_passport",
        "document_number": None,
    }
    for command in ("/greet", "/nlu_fallback", "/track_document"):
        assert v.validate_document_number(command, d, _tracker([], slots=slots), {}) == {"document_number": None}
    assert d.messages == []  # nothing quoted back


async def test_back_at_the_number_question_asks_for_the_document_again():
    from actions.tracking import ActionTrackingBack

    events = await ActionTrackingBack().run(CollectingDispatcher(), _tracker([]), {})
    assert {e["name"]: e["value"] for e in events} == {
        "tracking_doc_type": None,
        "document_number": None,
        "requested_slot": None,
    }


async def test_a_foreign_number_before_the_document_is_kept_for_a_permit_only():
    d = CollectingDispatcher()
    events = await ActionTrackingStart().run(
        d, _tracker([], text="track my document N4567891", intent="track_document"), {}
    )
    assert {e["name"]: e["value"] for e in events}["document_number"] == "N4567891"
    # Said back before «which document?», as at that question.
    assert [(m["response"], m["number"]) for m in d.messages] == [("utter_tracking_number_kept", "N4****91")]
    d.messages.clear()
    v = ValidateTrackingForm()
    kept = _tracker([], slots={"document_number": "N4567891"})
    assert v.validate_tracking_doc_type("temporary_residence_permit", d, kept, {}) == {
        "tracking_doc_type": "temporary_residence_permit"
    }
    assert d.messages == []
    # An ID card has no such number: said once, and the number question follows.
    assert v.validate_tracking_doc_type("id_card", d, kept, {}) == {
        "tracking_doc_type": "id_card",
        "document_number": None,
    }
    assert [m["response"] for m in d.messages] == ["utter_tracking_bad_number"]


async def test_a_permit_reminder_inside_the_last_15_working_days_sends_to_a_dms_unit(tmp_path, monkeypatch):
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'p.db'}"))
    monkeypatch.setattr(at, "_store", store)
    monkeypatch.setattr(at, "bot_today", lambda: dt.date(2026, 12, 7))

    async def said(expiry: str) -> str:
        ents = [
            {"entity": "doc_type", "value": "temporary_residence_permit"},
            {"entity": "expiry_date", "value": expiry},
        ]
        d = CollectingDispatcher()
        await at.ActionTrackingSetReminder().run(d, _tracker([], ents, text=expiry, intent="set_expiry_reminder"), {})
        return d.messages[0]["dates"]

    assert "лише до підрозділу ДМС" in await said("20.12.2026")  # 9 working days left: ЦНАП no longer
    assert "ще приймають і ЦНАП" in await said("15.02.2027")
    store.engine.dispose()


def test_a_two_digit_year_is_this_century():
    assert parse_expiry(None, "до 12/05/27") == dt.date(2027, 5, 12)
    assert parse_expiry("12.05.27", "") == dt.date(2027, 5, 12)


async def test_a_past_expiry_date_is_said_to_be_past(tmp_path, monkeypatch):
    import actions.tracking as at

    monkeypatch.setattr(at, "bot_today", lambda: dt.date(2026, 12, 7))
    ents = [{"entity": "doc_type", "value": "foreign_passport"}, {"entity": "expiry_date", "value": "12.05.2025"}]
    d = CollectingDispatcher()
    events = await at.ActionTrackingSetReminder().run(d, _tracker([], ents, text="12.05.2025"), {})
    assert [(m["response"], m["date"]) for m in d.messages] == [("utter_tracking_reminder_past_date", "12.05.2025")]
    assert {e["name"]: e["value"] for e in events} == {"tracking_reminder_doc_type": None}


@pytest.mark.parametrize(
    "typed,number,said",
    [
        ("N4567891", "N4567891", [("utter_tracking_number_kept", "N4****91")]),
        ("012 345 678", "012345678", [("utter_tracking_number_kept", "01*****78")]),
        ("КВ 123456", "КВ123456", [("utter_tracking_number_kept", "КВ****56")]),
        ("12345", None, [("utter_tracking_bad_number", "12345")]),
    ],
)
async def test_a_status_command_starts_tracking_with_its_number(typed, number, said):
    """«/status N4567891» (connectors/input_limits.py makes it /track_document{"document_number": …}): the number is
    read as if typed and said back («записав», as at «which document?»), and an unreadable one is said at once."""
    from connectors.input_limits import command_payload

    payload = command_payload(f"/status {typed}")
    d = CollectingDispatcher()
    ents = [{"entity": "document_number", "value": typed}]
    events = await ActionTrackingStart().run(d, _tracker([], ents, payload, "track_document"), {})
    assert events == [
        {"event": "slot", "name": "tracking_doc_type", "value": None, "timestamp": None},
        {"event": "slot", "name": "document_number", "value": number, "timestamp": None},
        {"event": "slot", "name": "tracking_offer_open", "value": False, "timestamp": None},
    ]
    assert [(m["response"], m.get("value") or m.get("number")) for m in d.messages] == said


async def test_an_old_cancel_button_never_says_no_subscriptions_while_one_is_active(tmp_path, monkeypatch):
    """«Скасувати нагадування» tapped after the reminder is gone: «no such reminder», and the subscription stays."""
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'c.db'}"))
    monkeypatch.setattr(at, "_store", store)
    store.subscribe("u1", "rest", "id_card", "КВ123456")
    my_subscriptions = [{"title": "📋 Мої підписки", "payload": "/my_subscriptions"}]

    async def tap(entities, text="", lang="uk"):
        d = CollectingDispatcher()
        tracker = _tracker([], entities, text=text, intent="unsubscribe", slots={"language": lang})
        assert await at.ActionTrackingUnsubscribe().run(d, tracker, {}) == []
        return [(m["response"], m.get("buttons") or m.get("items")) for m in d.messages]

    reminder_button = [
        {"entity": "doc_type", "value": "id_card"},
        {"entity": "document_number", "value": at.REMINDERS_ONLY},
    ]
    # No reminder at all.
    assert await tap(reminder_button) == [("utter_tracking_no_such_reminder", my_subscriptions)]
    # Another document's reminder is still set: it stays too.
    store.set_expiry_reminder("u1", "rest", "foreign_passport", dt.date(2027, 5, 12), dt.date(2026, 12, 3))
    assert await tap(reminder_button, lang="en") == [
        ("utter_tracking_no_such_reminder", [{"title": "📋 My subscriptions", "payload": "/my_subscriptions"}])
    ]
    assert [r.doc_type for r in store.list_reminders("u1")] == ["foreign_passport"]
    assert [s.masked for s in store.list_subscriptions("u1")] == ["КВ****56"]
    # «скасуй нагадування» typed: the reminders go, the subscription stays.
    assert await tap([], text="скасуй нагадування") == [("utter_tracking_reminders_cancelled", "закордонний паспорт")]
    assert store.list_reminders("u1") == [] and len(store.list_subscriptions("u1")) == 1
    assert await tap([], text="скасуй нагадування") == [("utter_tracking_no_such_reminder", my_subscriptions)]
    # An old «unsubscribe from this one» button of a subscription already gone, another one still active.
    gone = [{"entity": "doc_type", "value": "foreign_passport"}, {"entity": "document_number", "value": "FA****01"}]
    assert await tap(gone) == [("utter_tracking_no_such_subscription", my_subscriptions)]
    assert len(store.list_subscriptions("u1")) == 1
    # The same old button with no subscription left never cancels a reminder.
    store.unsubscribe("u1", subscription_id=store.list_subscriptions("u1")[0].id)
    store.set_expiry_reminder("u1", "rest", "foreign_passport", dt.date(2027, 5, 12), dt.date(2026, 12, 3))
    assert [r for r, _ in await tap(gone)] == ["utter_tracking_no_subscriptions"]
    assert len(store.list_reminders("u1")) == 1
    store.engine.dispose()


# The turn of an FAQ question answered between the subscription offer and the user's yes.
SURE_FAQ = {"confidence": 0.9, "confident": True, "ranking": [{"id": "photo_needed_for_passport", "score": 0.9}]}
UNSURE_FAQ = {  # «Можливо, ви питаєте про: …» with two entries of kb/faq
    "confidence": 0.3,
    "confident": False,
    "ranking": [
        {"id": "photo_needed_for_passport", "score": 0.5},
        {"id": "abroad_consulate_fee", "score": 0.45},
        {"id": "abroad_consulate_e_queue", "score": 0.1},
    ],
}


def _faq_between(faq):
    parse = {"text": "питання", "intent": {"name": "faq"}, "entities": [], "faq": faq}
    return [
        {"event": "action", "name": "action_tracking_status"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": parse["text"], "parse_data": parse},
        {"event": "action", "name": "action_faq_answer"},
        {"event": "action", "name": "action_listen"},
    ]


def _yes(slots, entities=None, text="так", faq=SURE_FAQ):
    latest = {"text": text, "intent": {"name": "affirm"}, "entities": entities or []}
    events = _faq_between(faq) + [{"event": "user", "text": text, "parse_data": latest}]
    return _tracker(events, entities, text=text, intent="affirm", slots=slots)


async def test_the_subscription_offer_survives_a_question_asked_before_the_answer(tmp_path, monkeypatch):
    """Status, «Хочете, щоб я повідомляв…?», an FAQ question, then: a bare «так» asks the offer again naming the
    document (no silent subscription, no bare «Добре!»); the offer's button subscribes; pressed again it says the
    offer is gone."""
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'o.db'}"))
    monkeypatch.setattr(at, "_store", store)
    store.apply_status("id_card", "КВ123456", "submitted")
    d = CollectingDispatcher()
    shown = _tracker([], slots={"tracking_doc_type": "id_card", "document_number": "КВ123456"})
    events = await at.ActionTrackingStatus().run(d, shown, {})
    assert events == [{"event": "slot", "name": "tracking_offer_open", "value": True, "timestamp": None}]
    offer = {"tracking_doc_type": "id_card", "document_number": "КВ123456", "tracking_offer_open": True}

    # A bare «так» after the FAQ answer: the offer again, with its buttons (domain), nothing subscribed.
    d = CollectingDispatcher()
    assert await at.ActionTrackingYesLater().run(d, _yes(offer), {}) == []
    assert [(m["response"], m["doc_name"], m["number"]) for m in d.messages] == [
        ("utter_tracking_offer_again", "ID-картка", "КВ****56")
    ]
    assert store.list_subscriptions("u1") == []
    # «так» to the offer asked again subscribes; «ні» declines it.
    asked_again = _faq_between(SURE_FAQ) + [
        {"event": "user", "text": "так", "parse_data": {"intent": {"name": "affirm"}, "entities": []}},
        {"event": "action", "name": "action_tracking_yes_later"},
        {"event": "bot", "text": "Якщо ви про підписку…", "metadata": {"utter_action": "utter_tracking_offer_again"}},
        {"event": "action", "name": "action_listen"},
    ]
    no = asked_again + [{"event": "user", "text": "ні", "parse_data": {"intent": {"name": "deny"}, "entities": []}}]
    d = CollectingDispatcher()
    events = await at.ActionTrackingDecline().run(d, _tracker(no, text="ні", intent="deny", slots=offer), {})
    assert [m["response"] for m in d.messages] == ["utter_tracking_not_subscribed"]
    assert events == [
        {"event": "slot", "name": "document_number", "value": None, "timestamp": None},
        {"event": "slot", "name": "tracking_offer_open", "value": False, "timestamp": None},
    ]
    yes = asked_again + [{"event": "user", "text": "так", "parse_data": {"intent": {"name": "affirm"}, "entities": []}}]
    d = CollectingDispatcher()
    events = await at.ActionTrackingYesLater().run(d, _tracker(yes, text="так", intent="affirm", slots=offer), {})
    assert [m["response"] for m in d.messages] == ["utter_tracking_subscribed"]
    assert events == [
        {"event": "slot", "name": "document_number", "value": None, "timestamp": None},
        {"event": "slot", "name": "tracking_offer_open", "value": False, "timestamp": None},
    ]
    store.unsubscribe("u1", subscription_id=store.list_subscriptions("u1")[0].id)
    # After «Можливо, ви питаєте про: …» the yes is still the FAQ's: it offers the entries again.
    d = CollectingDispatcher()
    await at.ActionTrackingYesLater().run(d, _yes(offer, faq=UNSURE_FAQ), {})
    assert [m["text"] for m in d.messages] == ["Оберіть, будь ласка, питання кнопкою:"]

    # «Так, підписатися» pressed after the FAQ answer: subscribed, and the reply names the document.
    button = [{"entity": "document_number", "value": at.OFFER_BUTTON}]
    d = CollectingDispatcher()
    events = await at.ActionTrackingSubscribe().run(d, _yes(offer, button, '/affirm{"document_number":"offer"}'), {})
    assert events == [
        {"event": "slot", "name": "document_number", "value": None, "timestamp": None},
        {"event": "slot", "name": "tracking_offer_open", "value": False, "timestamp": None},
    ]
    assert [(m["response"], m["doc_name"], m["number"]) for m in d.messages] == [
        ("utter_tracking_subscribed", "ID-картка", "КВ****56")
    ]
    assert [(s.doc_type, s.masked) for s in store.list_subscriptions("u1")] == [("id_card", "КВ****56")]

    # The offer is answered: the same button again says so; a bare «так» is a plain acknowledgement again.
    closed = {"tracking_doc_type": "id_card", "document_number": None, "tracking_offer_open": False}
    d = CollectingDispatcher()
    assert (
        await at.ActionTrackingSubscribe().run(d, _yes(closed, button, '/affirm{"document_number":"offer"}'), {}) == []
    )
    assert [m["response"] for m in d.messages] == ["utter_tracking_offer_gone"]
    d = CollectingDispatcher()
    assert await at.ActionTrackingYesLater().run(d, _tracker([], text="так", intent="affirm", slots=closed), {}) == []
    assert [m["response"] for m in d.messages] == ["utter_acknowledged"]
    # So is an old «Ні, дякую»: there is nothing to decline.
    d = CollectingDispatcher()
    no_button = _yes(closed, button, '/deny{"document_number":"offer"}')
    assert await at.ActionTrackingDecline().run(d, no_button, {}) == []
    assert [m["response"] for m in d.messages] == ["utter_acknowledged"]
    assert len(store.list_subscriptions("u1")) == 1
    store.engine.dispose()


async def test_a_resumed_tracking_takes_the_number_typed_before_the_side_question():
    d = CollectingDispatcher()
    payload = '/track_document{"doc_type":"id_card","document_number":"resume"}'
    ents = [{"entity": "doc_type", "value": "id_card"}, {"entity": "document_number", "value": "resume"}]
    tracker = _tracker([], ents, payload, "track_document", slots={"document_number": "КВ123456"})
    events = await ActionTrackingStart().run(d, tracker, {})
    assert {e["name"]: e["value"] for e in events} == {
        "tracking_doc_type": "id_card",
        "document_number": "КВ123456",
        "tracking_offer_open": False,
    }
    assert d.messages == []


async def test_my_reminders_with_no_subscription_lists_them_without_saying_there_is_nothing(tmp_path, monkeypatch):
    import actions.tracking as at
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    monkeypatch.setattr(at, "_store", store)
    store.set_expiry_reminder("u1", "rest", "id_card", dt.date(2027, 3, 12), dt.date(2026, 12, 3))

    async def listed(text: str):
        d = CollectingDispatcher()
        await at.ActionTrackingList().run(d, _tracker([], text=text, intent="my_subscriptions"), {})
        return [m["response"] for m in d.messages]

    assert await listed("мої нагадування") == ["utter_tracking_reminders"]
    assert await listed("show my reminders") == ["utter_tracking_reminders"]
    # Asked for the subscriptions: there are none, and the reminders follow.
    assert await listed("мої підписки") == ["utter_tracking_no_subscriptions", "utter_tracking_reminders"]
    store.engine.dispose()


async def test_a_bare_passport_with_a_number_asks_which_document_and_keeps_the_number():
    async def start(text: str, span: str):
        d = CollectingDispatcher()
        at = text.index(span)
        entities = [{"entity": "doc_type", "value": "id_card", "start": at, "end": at + len(span)}]
        events = await ActionTrackingStart().run(d, _tracker([], entities, text, "track_document"), {})
        return {e["name"]: e["value"] for e in events}, [m.get("response") for m in d.messages]

    # A booklet's number is the base of either document: not silently the ID card.
    slots, said = await start("де мій паспорт КВ123456", "паспорт")
    assert slots["tracking_doc_type"] is None and slots["document_number"] == "КВ123456"
    assert said == ["utter_tracking_number_kept"]
    # A named kind stays.
    slots, _ = await start("де моя айді картка КВ123456", "айді картка")
    assert slots["tracking_doc_type"] == "id_card" and slots["document_number"] == "КВ123456"
