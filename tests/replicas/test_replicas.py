"""Two Rasa replicas on one PostgreSQL tracker store, one Redis lock store and one Redis channel state."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

from tests.telegram import updates as tg
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import WEBHOOK_SECRET, http

HOOK = "/webhooks/telegram/webhook"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


def say(base: str, sender: str, text: str) -> List[Dict[str, Any]]:
    status, body = http("POST", f"{base}/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout=120)
    assert status == 200, body
    return body


def payloads(reply: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in reply for b in (m.get("buttons") or [])]


def text_of(reply: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in reply)


def tracker(base: str, sender: str) -> Dict[str, Any]:
    status, body = http("GET", f"{base}/conversations/{sender}/tracker")
    assert status == 200
    return body


def new_user() -> str:
    return f"replica-{uuid.uuid4().hex[:8]}"


def test_alternating_replicas_keep_slots_and_form(replicas: List[str], postgres_url: str) -> None:
    a, b = replicas
    user = new_user()
    assert '/inform{"doc_type":"id_card"}' in payloads(say(a, user, "/start_consultation"))
    assert '/inform{"reason":"stolen"}' in payloads(say(b, user, '/inform{"doc_type":"id_card"}'))
    assert '/inform{"location":"abroad"}' in payloads(say(a, user, "вкрали"))
    state = tracker(b, user)
    assert state["active_loop"]["name"] == "consultation_form"
    assert state["slots"]["doc_type"] == "id_card" and state["slots"]["reason"] == "stolen"
    reply = say(b, user, "/go_back")
    assert '/inform{"reason":"lost"}' in payloads(reply), text_of(reply)
    say(a, user, '/inform{"reason":"lost"}')
    say(b, user, '/inform{"location":"ukraine"}')
    text = text_of(say(a, user, '/inform{"passport_issued_in":"ukraine"}'))
    assert "заява про втрату" in text and "ЄРДР" not in text and "Джерела" in text
    state = tracker(a, user)
    assert state["slots"]["reason"] == "lost" and state["slots"]["location"] == "ukraine"
    assert [e["event"] for e in state["events"]].count("user") == 7
    # the conversation lives in PostgreSQL (endpoints.production.yml), not in either process
    import psycopg2

    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (user,))
        assert cur.fetchone()[0] == 7


def test_a_button_sent_by_replica_a_works_on_replica_b(replicas: List[str], fake_api: FakeBotApi) -> None:
    a, b = replicas
    chat_id = 7_000_000 + uuid.uuid4().int % 1_000_000
    status, body = http("POST", a + HOOK, tg.text(chat_id, "/help"), headers=SECRET)
    assert status == 200 and body["outcome"] == "rasa"
    keyboard = fake_api.wait_for_match(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == chat_id and bool((c.params.get("reply_markup") or {}).get("inline_keyboard"))
        ),
    )
    buttons = [x for row in keyboard.params["reply_markup"]["inline_keyboard"] for x in row]
    press = tg.callback(chat_id, keyboard.response["result"], buttons[0]["callback_data"])
    status, body = http("POST", b + HOOK, press, headers=SECRET)
    assert status == 200 and body["outcome"] == "rasa", body
    fake_api.wait_for("answerCallbackQuery", callback_query_id=press["callback_query"]["id"])
    user_texts = [e["text"] for e in tracker(a, str(chat_id))["events"] if e["event"] == "user"]
    assert user_texts[-1].startswith("/") and user_texts[-1] != "/help", user_texts
    # Telegram resends the same update to the other replica: handled once
    status, body = http("POST", a + HOOK, press, headers=SECRET)
    assert body["outcome"] == "duplicate"
    # the keyboard's other button is stale on both replicas now
    other = tg.callback(chat_id, keyboard.response["result"], buttons[1]["callback_data"])
    status, body = http("POST", a + HOOK, other, headers=SECRET)
    assert body["outcome"] == "stale"


def test_concurrent_messages_of_one_user_are_serialised(replicas: List[str]) -> None:
    user = new_user()
    messages = [
        "Привіт",
        "скільки коштує ID-картка терміново",
        "дайте номер гарячої лінії",
        "як отримати водійське посвідчення",
    ] * 2
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda i: say(replicas[i % 2], user, messages[i]), range(len(messages))))
    assert all(text_of(r) for r in replies), "every message got an answer"
    events = tracker(replicas[0], user)["events"]
    users = [e for e in events if e["event"] == "user"]
    assert sorted(e["text"] for e in users) == sorted(messages), "no message lost"
    # the lock store lets one replica finish a turn before the other reads the next message
    steps = [e["event"] if e["event"] == "user" else e.get("name") for e in events if e["event"] in ("user", "action")]
    for i, step in enumerate(steps):
        if step == "user" and i > 0:
            assert steps[i - 1] == "action_listen", steps
