"""Long-polling mode: no webhook URL, updates come from getUpdates; clean stop with Rasa."""

from __future__ import annotations

import time

from tests.telegram import updates as tg
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import Managed


def test_polling_replaces_webhook_and_long_polls(rasa_polling: Managed, fake_api: FakeBotApi) -> None:
    polls = fake_api.wait_for("getUpdates")
    deletes = fake_api.wait_for("deleteWebhook")
    assert fake_api.calls.index(deletes[0]) < fake_api.calls.index(polls[0])
    assert int(polls[0].params["timeout"]) >= 10, "long polling, not short polling"
    assert "callback_query" in polls[0].params["allowed_updates"]
    assert not fake_api.find("setWebhook")


def test_polled_message_and_button_press(rasa_polling: Managed, fake_api: FakeBotApi) -> None:
    chat_id = 5001
    fake_api.queue_update(tg.text(chat_id, "/help"))
    keyboard = fake_api.wait_for_match(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == chat_id and bool((c.params.get("reply_markup") or {}).get("inline_keyboard"))
        ),
    )
    button = keyboard.params["reply_markup"]["inline_keyboard"][0][0]
    press = tg.callback(chat_id, keyboard.response["result"], button["callback_data"])
    fake_api.queue_update(press)
    fake_api.wait_for("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])
    fake_api.wait_for_match(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == chat_id
            and c.at > keyboard.at + 0.001
            and c.params.get("text") != keyboard.params.get("text")
        ),
    )
    # each update is handled once although getUpdates is called again and again
    time.sleep(1.5)
    assert len(fake_api.find("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])) == 1


def test_stops_cleanly_with_the_rasa_server(rasa_polling: Managed, fake_api: FakeBotApi) -> None:
    last = tg.text(5002, "/help")
    fake_api.queue_update(last)
    fake_api.wait_for("sendMessage", chat_id=5002)
    started = time.monotonic()
    code = rasa_polling.terminate(timeout=20)
    took = time.monotonic() - started
    assert code is not None, "the server had to be killed"
    assert took < 15, f"stopping took {took:.1f}s (a long poll must be cancelled)"
    log = rasa_polling.output()
    assert "Telegram channel stopped" in log
    for bad in ("Traceback", "Task was destroyed", "Unclosed client"):
        assert bad not in log, log[-3000:]
    assert fake_api.token not in log, "the bot token must never reach the logs"
    # the handled updates were confirmed to Telegram, so a restart does not repeat them
    offsets = [int(c.params.get("offset") or 0) for c in fake_api.find("getUpdates")]
    assert max(offsets) == last["update_id"] + 1
