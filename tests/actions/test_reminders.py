"""Expiry reminders follow each document's own rule (issue 10, dms-facts §11.1.5–6): plan, wording, exact events."""

import datetime as dt

import pytest

from actions.tracking import ActionTrackingNotify
from tests.actions.conftest import make_tracker
from tracking.reminders import reminder_plan

TODAY = dt.date(2026, 12, 3)
EXPIRY = dt.date(2027, 3, 12)  # a Friday


@pytest.mark.parametrize(
    "doc_type,plan",
    [
        # the «within a month before expiry» window is an ID-card rule
        ("id_card", [("expiry_soon", dt.date(2027, 2, 12))]),
        # a temporary permit: a week before 19.02.2027, the last day (15 working days left) ЦНАП still accepts it
        ("temporary_residence_permit", [("permit_exchange_deadline", dt.date(2027, 2, 12))]),
        # the rest: a plain reminder a month before, no invented rule
        ("foreign_passport", [("expiry_plain", dt.date(2027, 2, 12))]),
        ("permanent_residence_permit", [("expiry_plain", dt.date(2027, 2, 12))]),
    ],
)
def test_each_document_gets_its_own_reminder(doc_type, plan):
    assert reminder_plan(doc_type, EXPIRY, TODAY) == plan


def test_a_reminder_already_due_is_sent_today():
    assert reminder_plan("temporary_residence_permit", dt.date(2026, 12, 20), TODAY) == [
        ("permit_exchange_deadline", TODAY)
    ]


def _notification(doc_type, stage, date="12.03.2027"):
    entities = [
        {"entity": "stage", "value": stage},
        {"entity": "tracked_doc_type", "value": doc_type},
        {"entity": "reminder_date", "value": date},
        {"entity": "notification_key", "value": f"reminder:1:{stage}"},
    ]
    return make_tracker(text="", intent="EXTERNAL_status_changed", entities=entities, active_loop=None)


async def _said(dispatcher, domain, doc_type, stage, lang="uk"):
    tracker = _notification(doc_type, stage)
    tracker.slots["language"] = lang
    events = await ActionTrackingNotify().run(dispatcher, tracker, domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == f"utter_tracking_stage_{stage}"
    variants = domain["responses"][message["response"]]
    english = [v for v in variants if v.get("condition")]
    template = (english if lang == "en" else [v for v in variants if not v.get("condition")])[0]["text"]
    return template.format(**{k: v for k, v in message.items() if isinstance(v, str)})


async def test_id_card_reminder_states_the_month_window(dispatcher, domain):
    text = await _said(dispatcher, domain, "id_card", "expiry_soon")
    assert "ID-картка діє до 12.03.2027" in text and "протягом місяця до закінчення строку" in text


async def test_temporary_permit_reminder_states_the_last_day_and_the_place_rule(dispatcher, domain):
    text = await _said(dispatcher, domain, "temporary_residence_permit", "permit_exchange_deadline")
    assert "посвідка на тимчасове проживання діє до 12.03.2027" in text
    assert "не пізніше цієї дати — останнього дня дії" in text
    assert "До 19.02.2027 включно документи приймають і ЦНАП, а пізніше — лише підрозділ ДМС" in text
    assert "місяця до" not in text


@pytest.mark.parametrize("doc_type", ["foreign_passport", "permanent_residence_permit"])
async def test_other_documents_get_a_plain_reminder(dispatcher, domain, doc_type):
    text = await _said(dispatcher, domain, doc_type, "expiry_plain")
    assert "діє до 12.03.2027" in text
    assert "місяця до" not in text and "15 робочих" not in text and "ЦНАП" not in text


async def test_temporary_permit_reminder_in_english(dispatcher, domain):
    text = await _said(dispatcher, domain, "temporary_residence_permit", "permit_exchange_deadline", lang="en")
    assert "your temporary residence permit is valid until 12.03.2027" in text
    assert "the permit's last day" in text and "Until 19.02.2027 inclusive" in text and "only a DMS unit" in text


def test_tracking_words_exist_in_both_languages():
    from tracking.stages import DOC_TYPES, REMINDER_WHEN, STAGE_SHORT, STAGES, TRACKING_WORDS, doc_type_name

    for table in (STAGE_SHORT, REMINDER_WHEN, TRACKING_WORDS):
        assert set(table["uk"]) == set(table["en"])
    assert set(STAGE_SHORT["en"]) == set(STAGES)
    assert [doc_type_name(d, "en") for d in DOC_TYPES] == [
        "ID card",
        "Passport for travel abroad",
        "Temporary residence permit",
        "Permanent residence permit",
    ]
    assert doc_type_name("id_card", "uk", capital=False) == "ID-картка"
    assert doc_type_name(None, "en", capital=False) == "document"
