"""Webhook mode end to end: real Rasa server, real PTB client, fake Bot API."""

from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest

from connectors.telegram_texts import MAIN_MENU_ROWS
from tests.telegram import updates as tg
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import RASA_PORT, WEBHOOK_SECRET, http

WEBHOOK = f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook"
GOOD = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}

pytestmark = pytest.mark.usefixtures("rasa_webhook")


def post(update: Dict[str, Any], headers: Dict[str, str] = GOOD) -> int:
    status, _ = http("POST", WEBHOOK, update, headers=headers)
    return status


def inline_rows(call) -> List[List[Dict[str, Any]]]:
    markup = call.params.get("reply_markup") or {}
    return markup.get("inline_keyboard") or []


def user_texts(chat_id: int) -> List[str]:
    status, tracker = http("GET", f"http://127.0.0.1:{RASA_PORT}/conversations/{chat_id}/tracker")
    assert status == 200
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def keyboard_message(fake: FakeBotApi, chat_id: int, command: str = "/help"):
    """Send a command and return the bot's sendMessage call that carries inline buttons."""
    before = len(fake.find("sendMessage", chat_id=chat_id))
    assert post(tg.text(chat_id, command)) == 200
    calls = fake.wait_for("sendMessage", count=before + 1, chat_id=chat_id)
    with_buttons = [c for c in calls[before:] if inline_rows(c)]
    assert with_buttons, f"no inline keyboard in {[c.params for c in calls[before:]]}"
    return with_buttons[-1]


def test_startup_sets_webhook_with_secret_and_commands(fake_api: FakeBotApi) -> None:
    hook = fake_api.wait_for("setWebhook")[-1].params
    assert hook["url"] == "https://bot.example.test/webhooks/telegram/webhook"
    assert hook["secret_token"] == WEBHOOK_SECRET
    assert "callback_query" in hook["allowed_updates"]
    commands = fake_api.wait_for("setMyCommands")[-1].params["commands"]
    assert [c["command"] for c in commands] == ["start", "help", "menu", "status"]
    assert all(c["description"] for c in commands)
    assert not fake_api.find("getUpdates"), "webhook mode must not poll"


def test_wrong_or_missing_secret_gets_403_and_nothing_is_processed(fake_api: FakeBotApi) -> None:
    chat_id = 4001
    calls_before = len(fake_api.calls)
    assert post(tg.text(chat_id, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
    assert post(tg.text(chat_id, "/help"), headers={}) == 403
    time.sleep(1.5)
    assert len(fake_api.calls) == calls_before
    assert user_texts(chat_id) == []


def test_start_sets_persistent_menu_and_inline_keyboard(fake_api: FakeBotApi) -> None:
    chat_id = 4002
    calls_before = len(fake_api.calls)
    press = keyboard_message(fake_api, chat_id, "/start")
    # the reply needs sendMessage calls only: no getMe, no extra set-up per update
    assert {c.method for c in fake_api.calls[calls_before:]} == {"sendMessage"}
    sent = fake_api.find("sendMessage", chat_id=chat_id)
    menus = [c.params["reply_markup"] for c in sent if "keyboard" in (c.params.get("reply_markup") or {})]
    assert menus, "no main-menu reply keyboard"
    labels = [b["text"] for row in menus[0]["keyboard"] for b in row]
    assert labels == [label for row in MAIN_MENU_ROWS for label in row]
    assert menus[0]["is_persistent"] is True
    for row in inline_rows(press):
        for button in row:
            assert button["text"]
            assert len(button["callback_data"].encode()) <= 64
    assert all(c.params.get("parse_mode") == "HTML" for c in sent)
    assert user_texts(chat_id) == ["/greet"]


def test_button_press_is_answered_edited_and_reaches_rasa(fake_api: FakeBotApi) -> None:
    chat_id = 4003
    bot_call = keyboard_message(fake_api, chat_id)
    button = inline_rows(bot_call)[0][0]
    bot_message = bot_call.response["result"]
    sends_before = len(fake_api.find("sendMessage", chat_id=chat_id))

    press = tg.callback(chat_id, bot_message, button["callback_data"])
    assert post(press) == 200
    answers = fake_api.wait_for("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])
    assert len(answers) == 1 and not answers[0].params.get("text")
    edits = [
        c
        for c in fake_api.calls
        if c.method in ("editMessageText", "editMessageReplyMarkup")
        and c.params.get("message_id") == bot_message["message_id"]
    ]
    assert len(edits) == 1
    assert not (edits[0].params.get("reply_markup") or {}).get("inline_keyboard")
    if edits[0].method == "editMessageText":
        assert button["text"] in edits[0].params["text"]
    # the answer came first, at once; Rasa's reply followed
    replies = fake_api.wait_for("sendMessage", count=sends_before + 1, chat_id=chat_id)
    assert fake_api.calls.index(answers[0]) < fake_api.calls.index(replies[-1])
    # the payload reached Rasa intact (not the title, not the token)
    texts = user_texts(chat_id)
    assert texts[-1].startswith("/") and texts[-1] != button["callback_data"]

    # pressing the same (now edited) keyboard again: polite answer, nothing reaches Rasa
    again = tg.callback(chat_id, bot_message, button["callback_data"])
    assert post(again) == 200
    stale = fake_api.wait_for("answerCallbackQuery", callback_query_id=again["callback_query"]["id"])
    assert "неактуальні" in stale[0].params["text"]
    time.sleep(1.0)
    assert len(fake_api.find("sendMessage", chat_id=chat_id)) == len(replies)
    assert user_texts(chat_id) == texts


def test_older_keyboard_is_stale_after_the_user_moved_on(fake_api: FakeBotApi) -> None:
    chat_id = 4004
    old = keyboard_message(fake_api, chat_id)
    keyboard_message(fake_api, chat_id)  # a newer turn
    data = inline_rows(old)[0][0]["callback_data"]
    press = tg.callback(chat_id, old.response["result"], data)
    assert post(press) == 200
    answer = fake_api.wait_for("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])
    assert "неактуальні" in answer[0].params["text"]
    removed = fake_api.wait_for("editMessageReplyMarkup", message_id=old.response["result"]["message_id"])
    assert not (removed[0].params.get("reply_markup") or {}).get("inline_keyboard")
    assert user_texts(chat_id) == ["/help", "/help"]


def test_unknown_token_and_foreign_chat_get_polite_answer(fake_api: FakeBotApi) -> None:
    owner, stranger = 4005, 4006
    bot_call = keyboard_message(fake_api, owner)
    data = inline_rows(bot_call)[0][0]["callback_data"]
    foreign_message = dict(bot_call.response["result"], chat=tg.private_chat(stranger))
    for press in (
        tg.callback(owner, bot_call.response["result"], "b:expired-token"),
        tg.callback(stranger, foreign_message, data),
    ):
        assert post(press) == 200
        answer = fake_api.wait_for("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])
        assert "неактуальні" in answer[0].params["text"]
    assert user_texts(stranger) == []


def test_retry_after_is_honoured_and_message_delivered_once(fake_api: FakeBotApi) -> None:
    chat_id = 4007
    fake_api.fail_with_429("sendMessage", lambda p: str(p.get("chat_id")) == str(chat_id), retry_after=2)
    assert post(tg.text(chat_id, "/help")) == 200
    attempts = fake_api.find("sendMessage", chat_id=chat_id)
    refused = [c for c in attempts if c.status == 429]
    delivered = [c for c in attempts if c.status == 200]
    assert len(refused) == 1
    same = [c for c in delivered if c.params["text"] == refused[0].params["text"]]
    assert len(same) == 1, "the refused message must be delivered exactly once"
    assert same[0].at - refused[0].at >= 1.9


def test_proactive_message_through_trigger_intent(fake_api: FakeBotApi) -> None:
    chat_id = 4008  # never wrote to the bot in this process
    status, body = http(
        "POST",
        f"http://127.0.0.1:{RASA_PORT}/conversations/{chat_id}/trigger_intent?output_channel=telegram",
        {"name": "greet", "entities": {}},
    )
    assert status == 200, body
    sent = fake_api.wait_for("sendMessage", chat_id=chat_id)
    assert sent[0].params["text"]


def test_tracking_notification_reaches_the_chat(fake_api: FakeBotApi) -> None:
    chat_id = 4012
    status, body = http(
        "POST",
        f"http://127.0.0.1:{RASA_PORT}/conversations/{chat_id}/trigger_intent?output_channel=telegram",
        {
            "name": "EXTERNAL_status_changed",
            "entities": {
                "stage": "arrived",
                "tracked_doc_type": "foreign_passport",
                "number_masked": "FS34****",
                "notification_key": "t-4012-arrived",
            },
        },
    )
    assert status == 200, body
    sent = fake_api.wait_for("sendMessage", chat_id=chat_id)
    assert sent[0].params["text"] and sent[0].params["parse_mode"] == "HTML"


def test_undeliverable_push_fails_loudly(fake_api: FakeBotApi) -> None:
    chat_id = 4013
    fake_api.fail_with(
        "sendMessage",
        lambda p: p.get("chat_id") == chat_id,
        403,
        "Forbidden: bot was blocked by the user",
    )
    status, _ = http(
        "POST",
        f"http://127.0.0.1:{RASA_PORT}/conversations/{chat_id}/trigger_intent?output_channel=telegram",
        {"name": "greet"},
    )
    assert status == 500, "the notifier must learn that nothing was delivered"
    assert fake_api.find("sendMessage", chat_id=chat_id)
    assert not [c for c in fake_api.find("sendMessage", chat_id=chat_id) if c.status == 200]


def test_non_text_updates_get_polite_answer_or_deliberate_ignore(fake_api: FakeBotApi) -> None:
    chat_id, group_id, channel_id = 4009, -100400900, -100400901
    polite = [
        tg.sticker(chat_id),
        tg.photo(chat_id),
        tg.voice(chat_id),
        tg.location(chat_id),
        tg.edited(chat_id, "виправлено"),
        tg.text(chat_id, "/unknown"),
        tg.text(chat_id, "паспорт " * 600),  # over MAX_USER_TEXT_CHARS: a polite answer, not the NLU
    ]
    for update in polite:
        assert post(update) == 200
    answers = fake_api.wait_for("sendMessage", count=len(polite), chat_id=chat_id)
    assert len(answers) == len(polite)
    for call in answers:
        assert call.params["text"] and "Traceback" not in call.params["text"]
    assert user_texts(chat_id) == [], "none of these reach Rasa"

    # a command in a group gets one pointer to the private chat; chatter is ignored
    assert post(tg.group_text(group_id, chat_id, "/start")) == 200
    assert post(tg.group_text(group_id, chat_id, "всім привіт")) == 200
    assert post(tg.channel_post(channel_id, "новина")) == 200
    assert post(tg.my_chat_member_blocked(chat_id)) == 200
    assert post({"update_id": 1, "unknown_kind": {"x": 1}}) == 200
    group_answers = fake_api.wait_for("sendMessage", chat_id=group_id)
    time.sleep(1.0)
    assert len(fake_api.find("sendMessage", chat_id=group_id)) == 1
    assert "особистих" in group_answers[0].params["text"]
    assert not fake_api.find("sendMessage", chat_id=channel_id)
    assert user_texts(group_id) == []


def test_photo_caption_is_read_as_text(fake_api: FakeBotApi) -> None:
    chat_id = 4010
    assert post(tg.photo(chat_id, caption="що ти вмієш?")) == 200
    fake_api.wait_for("sendMessage", chat_id=chat_id)
    assert user_texts(chat_id) == ["що ти вмієш?"]


def test_resent_update_is_processed_once(fake_api: FakeBotApi) -> None:
    chat_id = 4011
    update = tg.text(chat_id, "/help")
    assert post(update) == 200
    first = len(fake_api.wait_for("sendMessage", chat_id=chat_id))
    assert post(update) == 200
    time.sleep(1.0)
    assert len(fake_api.find("sendMessage", chat_id=chat_id)) == first
    assert user_texts(chat_id) == ["/help"]


def test_one_get_me_per_process(fake_api: FakeBotApi) -> None:
    # after all the updates above: the Bot was initialised once, not per message
    assert len(fake_api.find("getMe")) == 1
