"""A menu button's title typed as text does what the button does; short tracking requests start tracking; a status
text pasted with its date is a status question, not a date to be reminded of."""

from pathlib import Path

import pytest
import yaml

from nlu.faq_decision import MENU_LABELS, REMINDER, TRACK, route, typed_menu_label

ROOT = Path(__file__).resolve().parents[2]


def _menu_buttons():
    menu = yaml.safe_load((ROOT / "domain" / "common.yml").read_text(encoding="utf-8"))["responses"]["utter_main_menu"]
    for variation in menu:
        for button in variation["buttons"]:
            if "set_language" not in button["payload"]:
                yield button["title"], button["payload"].lstrip("/")


def test_every_menu_title_is_known_with_its_intent():
    buttons = dict(_menu_buttons())
    assert len(buttons) == 10
    assert {title.lower(): intent for title, intent in buttons.items()} == MENU_LABELS


@pytest.mark.parametrize(
    "text,intent",
    [
        ("Відстежити документ", TRACK),
        ("  відстежити документ! ", TRACK),
        ("Track a document", TRACK),
        ("Звʼязатися з ДМС", "contact_human"),
        ("Вартість і терміни", "ask_fee"),
    ],
)
def test_typed_title_routes_to_its_button(text, intent):
    assert typed_menu_label(text) == intent
    assert route("unsubscribe", 0.53, [], 0.3, 0.5, 0.15, text) == intent
    assert route(intent, 0.9, [], 0.3, 0.5, 0.15, text) == "keep"


def test_longer_text_is_no_menu_title():
    assert typed_menu_label("де оформити айді у львові") is None


@pytest.mark.parametrize(
    "intent,text",
    [
        ("unsubscribe", "відстежити"),
        ("faq", "track"),
        ("my_subscriptions", "хочу підписатися на відстеження документа"),
        ("faq", "Отследить документ"),
    ],
)
def test_short_tracking_request_starts_tracking(intent, text):
    assert route(intent, 0.62, [], 0.2, 0.5, 0.15, text) == TRACK


@pytest.mark.parametrize(
    "intent,text",
    [
        ("unsubscribe", "не хочу більше відстежувати"),
        ("my_subscriptions", "мої підписки на відстеження"),
        ("faq", "як відстежити статус закордонного через сайт мзс"),
    ],
)
def test_stop_list_or_elsewhere_is_no_tracking_request(intent, text):
    assert route(intent, 0.62, [], 0.2, 0.5, 0.15, text) != TRACK


def test_status_text_with_its_date_is_a_status_question():
    text = "статус Документи прийнято 12.11.2026. Здійснюється перевірка даних"
    date = [{"entity": "expiry_date", "value": "12.11.2026"}]
    assert route(REMINDER, 0.95, date, 0.46, 0.4, 0.15, text) == "faq"
    # A reminder asked for in words stays one, and so does a bare expiry date.
    asked = "нагадайте коли закінчиться строк, айді діє до 15.01.2027"
    assert route(REMINDER, 0.95, date, 0.46, 0.4, 0.15, asked) == "keep"
    assert route(REMINDER, 0.95, date, 0.46, 0.4, 0.15, "айді діє до 15.01.2027") == "keep"


@pytest.mark.parametrize("text", ["стоп", "Stop!", "скасувати", "вихід", "отмена пожалуйста"])
def test_a_stop_alone_ends_what_goes_on(text):
    assert route("greet", 0.66, [], 0.1, 0.5, 0.15, text) == "goodbye"
    assert route("deny", 0.9, [], 0.1, 0.5, 0.15, text) == "keep"


def test_stop_in_a_sentence_is_no_goodbye():
    assert route("unsubscribe", 0.95, [], 0.1, 0.5, 0.15, "стоп сповіщення") == "keep"
    assert route("greet", 0.66, [], 0.1, 0.5, 0.15, "стоп, а скільки коштує айді") != "goodbye"


def test_first_a_question_is_no_start_over():
    # «спочатку» means "first" here: the question is routed; the form keeps its answers.
    text = "ой а можна спочатку питання, скільки чекати"
    assert route("start_over", 0.95, [], 0.2, 0.5, 0.15, text) != "keep"
    for restart in ("почати спочатку", "давай все спочатку", "можна почати спочатку, я помилилась", "спочатку"):
        assert route("start_over", 0.95, [], 0.2, 0.5, 0.15, restart) == "keep"


@pytest.mark.parametrize(
    "text", ["скасуй нагадування", "не треба нагадувань", "cancel my reminder", "удали напоминание"]
)
def test_cancelling_a_reminder_is_no_new_reminder(text):
    assert route(REMINDER, 0.94, [], 0.2, 0.5, 0.15, text) == "unsubscribe"
    assert route(REMINDER, 0.94, [], 0.2, 0.5, 0.15, "нагадайте коли закінчиться айді") == "keep"


def test_track_and_a_document_is_tracking_not_a_consultation():
    doc = [{"entity": "doc_type", "value": "temporary_residence_permit"}]
    assert route("start_consultation", 0.9, doc, 0.2, 0.5, 0.15, "track posvidka") == TRACK
    assert route("inform", 0.8, doc, 0.2, 0.5, 0.15, "відстежити посвідку") == TRACK


@pytest.mark.parametrize(
    "text,place",
    [("а якщо ми за кордоном?", "abroad"), ("а в польщі?", "abroad"), ("and if we are abroad?", "abroad")],
)
def test_a_place_named_alone_continues_the_last_answer(text, place):
    from nlu.faq_decision import fragment_entities

    # «а якщо ми за кордоном?» after the fee of the закордонний was DIET `help` 0.75: the menu. Now the fee again,
    # for abroad (data/rules/facts.yml: a fragment right after a fee, term or place answer).
    assert route("help", 0.75, [], 0.14, 0.32, 0.15, text) == "inform"
    assert [(e["entity"], e["value"]) for e in fragment_entities([], text)] == [("location", place)]
    assert route("help", 0.75, [], 0.14, 0.32, 0.15, "ми за кордоном, що робити з паспортом") == "keep"


def test_a_reminder_for_a_bare_passport_asks_which_one():
    from nlu.faq_decision import tracks_a_bare_passport

    text = "нагадай коли закінчиться мій паспорт 12.05.2027"
    bare = [{"entity": "doc_type", "value": "id_card", "start": 29, "end": 36}]
    assert text[29:36] == "паспорт"
    assert tracks_a_bare_passport(REMINDER, bare, text)  # the document is dropped; the action asks which one
    named = "нагадай коли закінчиться мій закордонний 12.05.2027"
    assert not tracks_a_bare_passport(
        REMINDER, [{"entity": "doc_type", "value": "foreign_passport", "start": 29, "end": 40}], named
    )


@pytest.mark.parametrize(
    "text,intent",
    [("Так, підписатися", "affirm"), ("так підписатися!", "affirm"), ("Ні, дякую", "deny"), ("No thanks", "deny")],
)
def test_the_subscription_offers_titles_typed_answer_it(text, intent):
    from nlu.faq_decision import typed_offer_label

    assert typed_offer_label(text) == intent
    # DIET heard «did you mean» questions about notifications in «Так, підписатися».
    assert route("faq", 0.97, [], 0.3, 0.5, 0.15, text) == intent
    assert typed_offer_label("так, підписатися на все і назавжди") is None


@pytest.mark.parametrize(
    "text", ["мої нагадування", "покажи мої нагадування", "show my reminders", "які є нагадування?"]
)
def test_asking_for_ones_reminders_lists_them(text):
    assert route(REMINDER, 0.95, [], 0.2, 0.5, 0.15, text) == "my_subscriptions"


def test_asking_to_be_reminded_still_sets_a_reminder():
    assert route(REMINDER, 0.95, [], 0.2, 0.5, 0.15, "нагадай мені коли закінчиться мій паспорт") == "keep"
