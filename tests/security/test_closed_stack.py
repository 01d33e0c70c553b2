"""The running stack is closed by default and answers hostile input with 4xx, never a 5xx or a crash.

Real Rasa (scripts/rasa_run.py, the project's channels), real action server, SQLite stores.
"""

from __future__ import annotations

import http.client
import json
import select
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest
import requests

from tests.security.conftest import ACTIONS_PORT, RASA_PORT


def raw(
    method: str,
    path: str,
    body: bytes = b"",
    headers: Optional[Dict[str, bytes]] = None,
    port: int = RASA_PORT,
    timeout: float = 60,
) -> Tuple[int, bytes]:
    """One request with exactly these bytes (requests would refuse or re-encode hostile ones)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {"Content-Type": b"application/json", **(headers or {})}.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)).encode())
        conn.endheaders()
        # A server may refuse a large body from its headers alone and close; sending the rest would then race
        # its reset against reading the refusal, so read an early answer first.
        early = len(body) > 65536 and select.select([conn.sock], [], [], 2.0)[0]
        if not early:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the answer, if any, is still read below
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def rasa_alive(stack) -> bool:  # type: ignore[no-untyped-def]
    return requests.get(f"{stack.rasa_url}/status", params=stack.auth, timeout=10).status_code == 200


def listening_addresses(port: int) -> set:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(name).read_text().splitlines()[1:]:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(addr)
    return found


def test_every_port_listens_on_localhost_only(stack):
    for port in (RASA_PORT, ACTIONS_PORT):
        assert listening_addresses(port) == {"0100007F"}, port  # 127.0.0.1, nothing on 0.0.0.0 or ::


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/conversations/someone/tracker", None),
        ("GET", "/conversations/someone/story", None),
        ("POST", "/conversations/someone/trigger_intent?output_channel=callback", {"name": "greet"}),
        ("POST", "/conversations/someone/execute", {"name": "action_tracking_list"}),
        ("POST", "/conversations/someone/tracker/events", {"event": "slot", "name": "x", "value": 1}),
        ("PUT", "/conversations/someone/tracker/events", []),
        ("PUT", "/model", {"model_file": "/tmp/evil.tar.gz"}),
        ("DELETE", "/model", None),
        ("POST", "/model/train", {}),
        ("POST", "/model/parse", {"text": "привіт"}),
        ("GET", "/domain", None),
        ("GET", "/status", None),
        (
            "POST",
            "/webhooks/notifier/deliver?output_channel=callback",
            {"sender_id": "someone", "name": "EXTERNAL_status_changed", "entities": {"stage": "arrived"}},
        ),
        ("POST", "/webhooks/notifier/forget", {"sender_id": "someone"}),
    ],
)
def test_api_refuses_calls_without_the_token(stack, method, path, body):
    for params in ({}, {"token": "wrong"}):
        r = requests.request(method, f"{stack.rasa_url}{path}", params=params, json=body, timeout=30)
        assert r.status_code in (401, 403), (method, path, r.status_code, r.text[:200])
    assert stack.receiver.texts_for("someone") == []


def test_the_token_opens_the_api(stack):
    r = requests.get(f"{stack.rasa_url}/conversations/someone/tracker", params=stack.auth, timeout=30)
    assert r.status_code == 200


def test_action_server_is_not_reachable_from_outside(stack):
    # Rasa reaches it on 127.0.0.1; nothing listens on any other address (checked above), and the action
    # server cannot be asked to act as a user through Rasa without the token.
    r = requests.post(
        f"{stack.rasa_url}/conversations/x/execute", json={"name": "action_tracking_delete_data"}, timeout=30
    )
    assert r.status_code in (401, 403)


def test_rest_sender_is_issued_by_the_server_and_cannot_be_chosen(stack):
    r = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "victim", "message": "привіт"}, timeout=60
    )
    assert r.status_code == 200
    issued = r.headers["X-Sender-Id"]
    assert issued != "victim" and issued.startswith("rest.")
    assert {m["recipient_id"] for m in r.json()} == {issued}
    again = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": issued, "message": "дякую"}, timeout=60
    )
    assert again.headers["X-Sender-Id"] == issued  # a valid id is kept
    forged = issued[:-2] + ("AA" if not issued.endswith("AA") else "BB")
    r = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": forged, "message": "привіт"}, timeout=60
    )
    assert r.headers["X-Sender-Id"] not in (forged, issued)


def test_surrogate_sender_gets_400_and_rasa_stays_up(stack):
    for body in (
        b'{"sender": "\\udc00", "message": "hi"}',
        b'{"message": "\\ud800 hi"}',
        b'{"sender": "\\udc00\\ud800", "message": "\\udfff"}',
    ):
        status, text = raw("POST", "/webhooks/rest/webhook", body)
        assert status == 400, (body, status, text[:200])
    assert rasa_alive(stack)
    assert stack.say(stack.sid("after-surrogate"), "привіт")  # still answers real users


DEEP = b"[" * 60000 + b"]" * 60000
DEEP_SMALL = b"[" * 30000 + b"]" * 30000  # under the body cap: the parser itself must refuse it


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"[1, 2, 3]", 400),
        (b'"just a string"', 400),
        (b"null", 400),
        (b"42", 400),
        (b"{not json", 400),
        (b"\xff\xfe\x00garbage", 400),
        (DEEP, (400, 413)),
        (DEEP_SMALL, 400),
        (b'{"message": 5}', 400),
        (b'{"message": ["a"]}', 400),
        (b'{"sender": 7, "message": "hi"}', 400),
        (json.dumps({"message": "x" * 200_000}).encode(), 413),
        (b"x" * 2_000_000, 413),
    ],
)
def test_hostile_rest_bodies_get_4xx(stack, body, expected):
    status, text = raw("POST", "/webhooks/rest/webhook", body)
    assert status in (expected if isinstance(expected, tuple) else (expected,)), (status, text[:200])
    assert rasa_alive(stack)


def test_long_text_gets_a_polite_answer_in_the_users_language(stack):
    uk = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"message": "ї" * 5000}, timeout=60)
    assert uk.status_code == 200 and "задовге" in uk.json()[0]["text"] and "2 000" in uk.json()[0]["text"]
    en = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"message": "please help " * 400}, timeout=60)
    assert en.status_code == 200 and "too long" in en.json()[0]["text"]
    digits = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"message": "мені " + "9" * 1990 + " років"}, timeout=60
    )
    assert digits.status_code == 200 and digits.json() and digits.json()[0].get("text")


@pytest.mark.parametrize("path", ["/webhooks/notifier/deliver?output_channel=callback", "/webhooks/notifier/forget"])
def test_hostile_headers_and_bodies_on_the_notifier_channel(stack, path):
    for auth in ("Bearer ключ".encode("utf-8"), b"\xff\xfe"):
        status, _ = raw("POST", path, b"{}", {"Authorization": auth})
        assert status == 401
    status, _ = raw("POST", path, b"{}", {"Authorization": "Bearer ї".encode("utf-8") * 1000})
    assert status in (401, 413, 431)  # Sanic refuses headers over 8 KB itself
    tok = f"&token={stack.token}" if "?" in path else f"?token={stack.token}"
    bodies = [
        b"[]",
        DEEP,
        DEEP_SMALL,
        b'{"sender_id": "\\udc00", "name": "EXTERNAL_status_changed"}',
        b"\xff",
        b'{"sender_id": 5}',
    ]
    if "deliver" in path:
        bodies.append(b'{"sender_id": "x", "name": "EXTERNAL_status_changed", "entities": [1]}')
    for body in bodies:
        status, text = raw("POST", path + tok, body)
        assert status in (400, 413), (body[:40], status, text[:200])
    assert rasa_alive(stack)


def test_action_server_down_gives_a_clear_answer_not_silence(stack):
    from tests.harness import wait_port
    from tests.tracking.stack import kill

    user = stack.sid("action-server-down")
    kill(stack.actions)
    try:
        texts = stack.say(user, "Які документи потрібні для ID-картки вперше, мені 14")
        assert texts and any("технічні негаразди" in t for t in texts), texts
    finally:
        stack.start_actions()
        wait_port("127.0.0.1", ACTIONS_PORT, 120, stack.actions)
    time.sleep(1)
    assert any(t for t in stack.say(user, "привіт"))


def rest_turn(stack, sender: str, text: str) -> list:  # type: ignore[no-untyped-def]
    r = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    r.raise_for_status()
    assert r.headers["X-Sender-Id"] == sender
    return r.json()


def test_notification_with_action_server_down_mid_consultation_arrives_once_and_the_form_goes_on(stack, store):
    from tests.harness import wait_port
    from tests.tracking.stack import kill, stage_markers

    marker = stage_markers()["arrived"]
    user = stack.sid("mid-consultation")
    store.subscribe(user, "rest", "id_card", "КВ765432")
    asked = rest_turn(stack, user, "/start_consultation")
    assert any('/inform{"doc_type":"id_card"}' in b["payload"] for m in asked for b in m.get("buttons") or [])
    kill(stack.actions)
    notifier = stack.start_notifier(log_name="notifier-security.log")
    try:
        store.apply_status("id_card", "КВ765432", "arrived")
        deadline = time.time() + 20
        while time.time() < deadline and not any(r.attempts >= 2 for r in store.outbox_rows() if r.chat_id == user):
            time.sleep(0.2)
        assert stack.receiver.texts_for(user) == []  # nothing sent (and nothing marked sent) while it is down
        assert {r.status for r in store.outbox_rows() if r.chat_id == user} <= {"pending", "sending"}
        stack.start_actions()
        wait_port("127.0.0.1", ACTIONS_PORT, 120, stack.actions)
        stack.receiver.wait_for(user, 1, 60)
        time.sleep(3)
    finally:
        kill(notifier)
    texts = stack.receiver.texts_for(user)
    assert sum(marker in t for t in texts) == 1, texts  # exactly once
    assert {r.status for r in store.outbox_rows() if r.chat_id == user} == {"sent"}
    # The form's question came again after the stage message, and the user's answer goes on with it.
    assert len(texts) == 2 and marker not in texts[1], texts
    reply = rest_turn(stack, user, '/inform{"doc_type":"id_card"}')
    payloads = [b["payload"] for m in reply for b in m.get("buttons") or []]
    assert any(p.startswith('/inform{"reason"') for p in payloads), reply


def test_delete_my_data_leaves_no_event_of_the_chat_in_the_tracker_store(stack, store):
    import sqlite3

    user = stack.sid("forget-me")
    store.subscribe(user, "rest", "id_card", "КВ246810")
    stack.say(user, "чи готовий мій паспорт, книжечка КВ246810")
    db = stack.workdir / "rasa.db"

    def events() -> int:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM events WHERE sender_id = ?", (user,)).fetchone()[0]

    assert events() > 0
    stack.say(user, "/delete_my_data")
    done = " ".join(stack.say(user, "/affirm"))
    assert "Готово" in done, done
    deadline = time.time() + 15
    while time.time() < deadline and events():
        time.sleep(0.3)
    assert events() == 0
    assert store.list_subscriptions(user) == []
    tracker = stack.tracker(user)
    assert not [e for e in tracker["events"] if e.get("event") == "user"]


def test_no_token_or_full_document_number_in_the_logs(stack):
    """Runs last in this module: everything above went through the logs of Rasa, actions and the notifier."""
    logs = {p.name: p.read_text(errors="replace") for p in stack.workdir.glob("*.log")}
    assert logs and any("rasa" in name for name in logs)
    for name, text in logs.items():
        assert stack.token not in text, name
        for number in ("КВ765432", "КВ246810"):
            assert number not in text, (name, number)
