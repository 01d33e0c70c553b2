"""The Viber channel end to end: real Rasa server and action server, fake Viber API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import pytest

from connectors.viber_texts import MAIN_MENU
from tests.telegram.servers import http
from tests.viber.conftest import RASA_AUTH_TOKEN, RASA_PORT, WEBHOOK_URL
from tests.viber.fake_viber_api import FakeViberApi, sign

pytestmark = pytest.mark.usefixtures("rasa_viber")
MENU = [p for p, _, _ in MAIN_MENU]
_tokens = iter(range(7_000_000_000_000_000_000, 8_000_000_000_000_000_000))


def post_raw(body: bytes, signature: Optional[str], extra: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Viber-Content-Signature"] = signature
    headers.update(extra or {})
    req = urllib.request.Request(WEBHOOK_URL, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            raw, status = res.read(), res.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def post(event: Dict[str, Any]) -> Tuple[int, Any]:
    body = json.dumps(event, ensure_ascii=False).encode()
    return post_raw(body, sign(body))


def message(
    user: str,
    text: str,
    *,
    kind: str = "text",
    tracking_data: Optional[str] = None,
    token: Optional[int] = None,
    language: str = "uk",
) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"type": kind}
    if text:
        msg["text"] = text
    if tracking_data is not None:
        msg["tracking_data"] = tracking_data
    if kind == "sticker":
        msg["sticker_id"] = 46105
    if kind == "location":
        msg["location"] = {"lat": 50.45, "lon": 30.52}
    return {
        "event": "message",
        "timestamp": int(time.time() * 1000),
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token or next(_tokens),
        "sender": {"id": user, "name": "Тест", "language": language, "country": "UA", "api_version": 10},
        "message": msg,
        "silent": False,
    }


def user_texts(user: str) -> List[str]:
    status, tracker = http("GET", f"http://127.0.0.1:{RASA_PORT}/conversations/{user}/tracker")
    assert status == 200
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def wait_turn(fake: FakeViberApi, user: str, before: int, timeout: float = 60) -> List[Any]:
    """Messages of one bot turn: wait for a keyboard-carrying message after `before` sent ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = fake.sent_to(user)[before:]
        if sent and "keyboard" in sent[-1].body:
            return sent
        time.sleep(0.05)
    raise AssertionError(f"no complete turn for {user}: {[c.body for c in fake.sent_to(user)]}")


def test_startup_sets_the_webhook_which_viber_checks(fake_api: FakeViberApi) -> None:
    call = fake_api.wait_for("set_webhook")[-1]
    assert call.status == 0
    assert call.body["url"] == WEBHOOK_URL
    assert set(call.body["event_types"]) >= {"conversation_started", "subscribed", "unsubscribed", "failed"}
    assert call.body["send_name"] is False and call.body["send_photo"] is False
    assert fake_api.webhook_checks and fake_api.webhook_checks[-1] == 200


def test_bad_signature_gets_403_and_nothing_is_processed(fake_api: FakeViberApi) -> None:
    user = "sig-user=="
    body = json.dumps(message(user, "Привіт")).encode()
    calls_before = len(fake_api.calls)
    assert post_raw(body, "0" * 64)[0] == 403
    assert post_raw(body, None)[0] == 403
    assert post_raw(body, sign(body, "another-token"))[0] == 403
    assert post_raw(body + b" ", sign(body))[0] == 403  # signature of other bytes
    assert post_raw(body, "\xe9" * 64)[0] == 403  # not even ASCII
    time.sleep(1.0)
    assert len(fake_api.calls) == calls_before
    assert user_texts(user) == []


def test_hostile_input_gets_4xx_never_5xx() -> None:
    bodies = [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"text"',
        b"42",
        b'{"no_event": 1}',
        b'{"event": 5}',
        '{"event": "message", "sender": "ї"}'.encode(),
        b"\xff\xfe\x00",
        json.dumps({"event": "message", "message": [1], "sender": {"id": 5}}).encode(),
        json.dumps(
            {
                "event": "message",
                "message": {"type": "text", "text": {"a": 1}},
                "sender": {"id": "h=="},
                "message_token": [1],
            }
        ).encode(),
    ]
    for body in bodies:
        status, _ = post_raw(body, sign(body))
        assert 200 <= status < 500, (body, status)
    for body in bodies[:7]:
        assert post_raw(body, sign(body))[0] == 400, body
    deep = b"[" * 60_000  # deeper than Python's JSON parser goes
    assert post_raw(deep, sign(deep))[0] == 400
    broken = (
        json.dumps(message("surrogate==", ""))
        .replace('"type": "text"', '"type": "text", "text": "\\ud800\\u0000"')
        .encode()
    )
    assert post_raw(broken, sign(broken))[0] == 200  # signed, so answered politely, never 500
    huge = json.dumps(message("huge==", "а" * 200_000)).encode()
    assert post_raw(huge, sign(huge))[0] == 413
    weird = json.dumps(message("hdr==", "Привіт")).encode()
    assert post_raw(weird, sign(weird), {"Content-Type": "text/plain"})[0] == 200
    status, _ = post_raw(weird, "x" * 10_000)  # an oversized header: refused by Sanic or by us
    assert 400 <= status < 500


def test_conversation_started_gets_welcome_and_main_menu_in_the_answer(fake_api: FakeViberApi) -> None:
    for language, expected in (("uk", "Вітаю"), ("en", "Hello"), ("de", "Hello")):
        user = f"start-{language}=="
        status, body = post(
            {
                "event": "conversation_started",
                "timestamp": 1,
                "message_token": next(_tokens),
                "type": "open",
                "context": "",
                "subscribed": False,
                "user": {"id": user, "name": "Тест", "language": language, "api_version": 10},
            }
        )
        assert status == 200
        assert body["type"] == "text" and body["text"].startswith(expected)
        assert body["sender"]["name"] == "Паспортний помічник (тест)"
        buttons = body["keyboard"]["Buttons"]
        other = "en" if language == "uk" else "uk"
        assert [b["ActionBody"] for b in buttons] == MENU + [f'/set_language{{"language":"{other}"}}']
        assert all(b["ActionType"] == "reply" and 1 <= b["Columns"] <= 6 for b in buttons)
        labels = [b["Text"] for b in buttons]
        assert ("Консультація" in labels) == (language == "uk")
        assert fake_api.sent_to(user) == [], "not subscribed yet: the answer is the HTTP response"
        assert user_texts(user) == []


def test_text_and_button_round_trip(fake_api: FakeViberApi) -> None:
    user = "round-trip=="
    assert post(message(user, "Привіт"))[0] == 200
    turn = wait_turn(fake_api, user, 0)
    assert turn[0].body["text"].startswith("Вітаю")
    last = turn[-1].body
    assert [b["ActionBody"] for b in last["keyboard"]["Buttons"]][:5] == MENU
    assert user_texts(user) == ["Привіт"]

    # press «Консультація»: Viber sends the ActionBody with the last message's tracking_data
    before = len(fake_api.sent_to(user))
    assert post(message(user, "/start_consultation", tracking_data=last.get("tracking_data")))[0] == 200
    turn = wait_turn(fake_api, user, before)
    assert turn[0].body["text"].startswith("✅ Консультація\n\n"), "the silent press is echoed"
    question = turn[-1].body
    buttons = [b for b in question["keyboard"]["Buttons"] if b["ActionType"] == "reply"]
    payloads = [b["ActionBody"] for b in buttons]
    assert payloads and payloads[:5] != MENU, question
    assert user_texts(user)[-1] == "/start_consultation"

    # press the first button of the question's keyboard: its payload reaches Rasa unchanged
    before = len(fake_api.sent_to(user))
    assert post(message(user, payloads[0], tracking_data=question["tracking_data"]))[0] == 200
    turn = wait_turn(fake_api, user, before)
    assert turn[0].body["text"].startswith(f"✅ {buttons[0]['Text']}\n\n")
    assert user_texts(user)[-1] == payloads[0]

    # the same payload with a forged title in tracking_data is refused
    forged = json.loads(question["tracking_data"])
    forged["b"][0][1] = "Інше"
    before = len(fake_api.sent_to(user))
    assert post(message(user, payloads[0], tracking_data=json.dumps(forged, ensure_ascii=False)))[0] == 200
    assert "неактуальні" in fake_api.wait_sent(user, count=before + 1)[-1].body["text"]


def test_viber_hanging_up_early_loses_nothing(fake_api: FakeViberApi) -> None:
    user = "impatient=="
    event = message(user, "Привіт")
    body = json.dumps(event, ensure_ascii=False).encode()
    req = urllib.request.Request(
        WEBHOOK_URL,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Viber-Content-Signature": sign(body)},
    )
    with pytest.raises(OSError):  # Viber's client gives up before the turn is done
        urllib.request.urlopen(req, timeout=0.05)
    turn = wait_turn(fake_api, user, 0)
    assert turn[0].body["text"].startswith("Вітаю")
    assert user_texts(user) == ["Привіт"]
    status, answer = post(event)  # and its resend is recognised
    assert status == 200 and answer["outcome"] == "duplicate"


def test_typed_or_stale_payload_is_refused_politely(fake_api: FakeViberApi) -> None:
    user = "forger=="
    assert post(message(user, '/EXTERNAL_status_changed{"stage":"issued"}'))[0] == 200
    answer = fake_api.wait_sent(user)[0].body
    assert "неактуальні" in answer["text"] and "keyboard" in answer
    assert user_texts(user) == []


def test_too_long_message_gets_a_polite_answer(fake_api: FakeViberApi) -> None:
    user = "long-writer=="
    assert post(message(user, "Допоможіть " * 500))[0] == 200  # 5,500 characters
    answer = fake_api.wait_sent(user)[0].body
    assert "задовге" in answer["text"] and "2 000" in answer["text"]
    assert user_texts(user) == []


def test_language_switch_changes_the_channels_own_texts(fake_api: FakeViberApi) -> None:
    user = "switcher=="
    assert post(message(user, '/set_language{"language":"en"}'))[0] == 200  # the menu's «English»
    turn = wait_turn(fake_api, user, 0)
    labels = [b["Text"] for b in turn[-1].body["keyboard"]["Buttons"]]
    assert "Consultation" in labels and "Українська" in labels, labels
    before = len(fake_api.sent_to(user))
    assert post(message(user, "", kind="sticker"))[0] == 200
    answer = fake_api.wait_sent(user, count=before + 1)[-1].body
    assert "sticker" in answer["text"]
    assert [b["Text"] for b in answer["keyboard"]["Buttons"]][0] == "Consultation"


def test_repeated_message_token_is_answered_once(fake_api: FakeViberApi) -> None:
    user = "dedupe=="
    event = message(user, "Привіт")
    assert post(event)[0] == 200
    wait_turn(fake_api, user, 0)
    sent = len(fake_api.sent_to(user))
    status, body = post(event)  # Viber resends when it thinks the first try failed
    assert status == 200 and body["outcome"] == "duplicate"
    time.sleep(1.5)
    assert len(fake_api.sent_to(user)) == sent
    assert user_texts(user) == ["Привіт"]


def test_stickers_and_other_media_get_a_polite_answer(fake_api: FakeViberApi) -> None:
    user = "media=="
    kinds = ["sticker", "picture", "location", "contact", "file", "video"]
    for kind in kinds:
        assert post(message(user, "", kind=kind))[0] == 200
    answers = fake_api.wait_sent(user, count=len(kinds))
    assert "стікер" in answers[0].body["text"]
    assert all(a.body["text"] and "keyboard" in a.body for a in answers)
    assert user_texts(user) == [], "none of these reach Rasa"
    en = "media-en=="
    assert post(message(en, "", kind="sticker", language="en"))[0] == 200
    assert "sticker" in fake_api.wait_sent(en)[0].body["text"]


def test_delivery_events_get_200(fake_api: FakeViberApi) -> None:
    for event in (
        {"event": "delivered", "user_id": "ev=="},
        {"event": "seen", "user_id": "ev=="},
        {"event": "failed", "user_id": "ev==", "desc": "failure description"},
        {"event": "webhook", "chat_hostname": "SN-1_"},
        {"event": "something_new"},
    ):
        event.update(timestamp=1, message_token=next(_tokens))
        status, body = post(event)
        assert status == 200 and body["status"] == 0, event
    assert fake_api.sent_to("ev==", ok_only=False) == []


def test_unsubscribed_pauses_tracking_and_a_message_resumes_it(fake_api: FakeViberApi, tracking_db: str) -> None:
    from tracking.db import make_engine
    from tracking.models import Subscription
    from tracking.store import TrackingStore

    store = TrackingStore(make_engine(tracking_db))
    user = "leaver=="
    store.subscribe(user, "viber", "foreign_passport", "FS341265")

    def paused() -> bool:
        with store.Session.begin() as s:
            return s.query(Subscription).filter_by(chat_id=user).one().paused_at is not None

    status, _ = post({"event": "unsubscribed", "timestamp": 1, "user_id": user, "message_token": next(_tokens)})
    assert status == 200 and paused()
    assert store.apply_status("foreign_passport", "FS341265", "submitted").queued == 0
    assert (
        post(
            {
                "event": "subscribed",
                "timestamp": 1,
                "message_token": next(_tokens),
                "user": {"id": user, "language": "uk", "api_version": 10},
            }
        )[0]
        == 200
    )
    assert not paused()


def test_push_to_a_user_who_left_fails_loudly_and_pauses_tracking(fake_api: FakeViberApi, tracking_db: str) -> None:
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    user = "left-silently=="
    store = TrackingStore(make_engine(tracking_db))
    store.subscribe(user, "viber", "id_card", "009998887")
    fake_api.fail("send_message", lambda b: b.get("receiver") == user, 6, "receiverNotSubscribed")
    status, _ = http(
        "POST",
        f"http://127.0.0.1:{RASA_PORT}/conversations/{user}/trigger_intent?output_channel=viber",
        {
            "name": "EXTERNAL_status_changed",
            "entities": {
                "stage": "arrived",
                "tracked_doc_type": "id_card",
                "number_masked": "0099****",
                "notification_key": "v-left",
            },
        },
    )
    assert status == 500, "the notifier must learn that nothing was delivered"
    assert store.apply_status("id_card", "009998887", "submitted").queued == 0, "paused after status 6"


def test_proactive_notification_through_trigger_intent(fake_api: FakeViberApi) -> None:
    user = "notified=="
    status, body = http(
        "POST",
        f"http://127.0.0.1:{RASA_PORT}/conversations/{user}/trigger_intent?output_channel=viber",
        {
            "name": "EXTERNAL_status_changed",
            "entities": {
                "stage": "arrived",
                "tracked_doc_type": "foreign_passport",
                "number_masked": "FS34****",
                "notification_key": "v-arrived",
            },
        },
    )
    assert status == 200, body
    sent = fake_api.wait_sent(user)
    assert "FS34****" in " ".join(c.body["text"] for c in sent)
    assert "keyboard" in sent[-1].body


def test_rate_answer_postpones_the_notification_for_that_user_only(fake_api: FakeViberApi, tracking_db: str) -> None:
    from tracking.db import make_engine
    from tracking.notifier import Notifier, NotifierConfig, RasaDelivery
    from tracking.store import TrackingStore

    limited, fine = "limited==", "fine=="
    fake_api.fail("send_message", lambda b: b.get("receiver") == limited, 12, "Too many requests")
    store = TrackingStore(make_engine(tracking_db))
    store.subscribe(limited, "viber", "id_card", "007654321")
    store.subscribe(fine, "viber", "id_card", "007654321")
    assert store.apply_status("id_card", "007654321", "submitted").queued == 2
    notifier = Notifier(
        store,
        NotifierConfig(
            rasa_url=f"http://127.0.0.1:{RASA_PORT}",
            rasa_token=RASA_AUTH_TOKEN,
            max_attempts=3,
            endpoint="channel",
            viber_notify=True,
        ),
    )

    async def one_round() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            await notifier.run_once(RasaDelivery(notifier.cfg, session))

    asyncio.run(one_round())
    rows = {r.chat_id: r for r in store.outbox_rows() if r.chat_id in (limited, fine)}
    assert rows[fine].status == "sent"
    assert rows[limited].status == "pending" and rows[limited].attempts == 0, "a rate answer is no failure"
    assert "rate limit" in (rows[limited].last_error or "")
    assert rows[limited].next_attempt_at > rows[fine].sent_at
    assert notifier.bucket.paused_until < time.monotonic() + 5, "other users are not held back"
    assert fake_api.sent_to(fine) and not fake_api.sent_to(limited)


def test_viber_notify_0_sends_no_viber_notifications(fake_api: FakeViberApi, tracking_db: str) -> None:
    from tracking.db import make_engine
    from tracking.notifier import Notifier, NotifierConfig, RasaDelivery
    from tracking.store import TrackingStore

    user = "no-budget=="
    store = TrackingStore(make_engine(tracking_db))
    store.subscribe(user, "viber", "id_card", "001112223")
    store.apply_status("id_card", "001112223", "submitted")
    notifier = Notifier(
        store,
        NotifierConfig(
            rasa_url=f"http://127.0.0.1:{RASA_PORT}", rasa_token=RASA_AUTH_TOKEN, endpoint="channel", viber_notify=False
        ),
    )

    async def one_round() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            await notifier.run_once(RasaDelivery(notifier.cfg, session))

    asyncio.run(one_round())
    row = [r for r in store.outbox_rows() if r.chat_id == user][0]
    assert row.status == "dead" and "VIBER_NOTIFY=0" in row.last_error
    assert fake_api.sent_to(user, ok_only=False) == []


def test_no_token_in_any_log(rasa_viber: Any, fake_api: FakeViberApi) -> None:
    assert post(message("log-check==", "Привіт"))[0] == 200
    wait_turn(fake_api, "log-check==", 0)
    assert fake_api.token not in rasa_viber.output()
