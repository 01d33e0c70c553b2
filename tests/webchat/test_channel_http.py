"""The web chat channel over HTTP, through the page's server: signed ids, privacy, size caps, history, pushes."""

from __future__ import annotations

import json
import queue
import threading

import pytest
import requests

from connectors.webchat import COOKIE_NAME, MAX_TEXT_CHARS


def say(webchat, person, **body):
    return person.post(f"{webchat.web_url}/api/message", json=body, timeout=180)


def history(webchat, person, after=-1):
    resp = person.get(f"{webchat.web_url}/api/history", params={"after": after}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages):
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_page_is_served_with_security_headers(webchat):
    resp = requests.get(f"{webchat.web_url}/", timeout=10)
    assert resp.status_code == 200
    assert '<html lang="uk">' in resp.text and 'name="viewport"' in resp.text
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{webchat.web_url}/static/app.js", timeout=10).status_code == 200


def test_session_cookie_is_issued_by_the_server_signed_and_http_only(webchat):
    session = requests.Session()
    resp = session.post(f"{webchat.web_url}/api/session", json={}, timeout=10)
    assert resp.json()["new"] is True
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    token = session.cookies[COOKIE_NAME]
    channel, rand, sig = token.split(".")
    assert channel == "webchat" and len(rand) == 22 and len(sig) == 22
    # A valid cookie is kept, not replaced.
    again = session.post(f"{webchat.web_url}/api/session", json={}, timeout=10)
    assert again.json()["new"] is False and "Set-Cookie" not in again.headers
    # Two visitors never share an id.
    other = requests.post(f"{webchat.web_url}/api/session", json={}, timeout=10).cookies[COOKIE_NAME]
    assert other != token


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "webchat.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # made up
        "someone-else",  # a plain id chosen by the browser
    ],
)
def test_without_a_valid_signed_id_nothing_is_read_or_written(webchat, cookie):
    cookies = {COOKIE_NAME: cookie} if cookie else {}
    assert requests.get(f"{webchat.web_url}/api/history", cookies=cookies, timeout=10).status_code == 401
    resp = requests.post(f"{webchat.web_url}/api/message", json={"text": "Привіт"}, cookies=cookies, timeout=10)
    assert resp.status_code == 401
    assert requests.get(f"{webchat.web_url}/api/events", cookies=cookies, timeout=10).status_code == 401


def test_a_tampered_id_is_refused(webchat, person):
    token = person.cookies[COOKIE_NAME]
    channel, rand, sig = token.split(".")
    tampered = f"{channel}.{rand[:-1]}{'B' if rand[-1] != 'B' else 'C'}.{sig}"
    resp = requests.get(f"{webchat.web_url}/api/history", cookies={COOKIE_NAME: tampered}, timeout=10)
    assert resp.status_code == 401
    # An id issued for another channel (REST) is not a web chat id.
    rest_like = f"rest.{rand}.{sig}"
    assert (
        requests.get(f"{webchat.web_url}/api/history", cookies={COOKIE_NAME: rest_like}, timeout=10).status_code == 401
    )


def test_nobody_reads_or_writes_another_persons_conversation(webchat, person):
    stranger = requests.Session()
    stranger.post(f"{webchat.web_url}/api/session", json={}, timeout=10)
    victim_id = person.cookies[COOKIE_NAME]
    secret_question = "Що потрібно для закордонного паспорта дитині 5 років"
    assert say(webchat, person, text=secret_question).status_code == 200
    # The stranger names the victim's id in the body and the query: both are ignored.
    resp = say(webchat, stranger, text="Привіт", sender=victim_id, sender_id=victim_id)
    assert resp.status_code == 200
    stranger_history = stranger.get(
        f"{webchat.web_url}/api/history", params={"sender": victim_id, "sender_id": victim_id}, timeout=30
    ).json()
    assert secret_question not in texts(stranger_history["messages"])
    victim_history = history(webchat, person)["messages"]
    assert secret_question in texts(victim_history)
    assert "Привіт" not in [m["text"] for m in victim_history if m["role"] == "user"]


def test_free_text_question_gets_a_checklist_with_sources(webchat, person):
    resp = say(webchat, person, text="Які документи потрібні для ID-картки вперше, мені 14")
    assert resp.status_code == 200, resp.text
    reply = texts(resp.json()["messages"])
    assert "свідоцтво про народження" in reply
    assert "Джерела" in reply and "https://" in reply
    assert all(m["lang"] in ("uk", "en") for m in resp.json()["messages"])


def test_buttons_and_history_after_reload(webchat, person):
    menu = say(webchat, person, payload="/help", title="Меню").json()["messages"]
    assert "/start_consultation" in payloads(menu)
    step = say(webchat, person, payload="/start_consultation", title="Консультація").json()["messages"]
    id_card = next(b for m in step for b in m.get("buttons") or [] if b["payload"] == '/inform{"doc_type":"id_card"}')
    step = say(webchat, person, payload=id_card["payload"], title=id_card["title"]).json()["messages"]
    assert '/inform{"reason":"first_issue"}' in payloads(step)
    # «A reload»: a fresh page load reads everything back, with the buttons' titles, not their payloads.
    reloaded = history(webchat, person)
    user_lines = [m["text"] for m in reloaded["messages"] if m["role"] == "user"]
    assert user_lines[-2:] == ["Консультація", id_card["title"]]
    assert not any(line.startswith("/") for line in user_lines)
    assert '/inform{"reason":"first_issue"}' in payloads(reloaded["messages"][-3:])
    # Incremental reads return only what came after the cursor.
    assert history(webchat, person, after=reloaded["cursor"])["messages"] == []


def test_payload_that_was_never_offered_is_refused(webchat, person):
    say(webchat, person, payload="/help", title="Меню")
    resp = say(webchat, person, payload='/inform{"age":"-5"}', title="x")
    assert resp.status_code == 409
    assert "неактуальні" in resp.json()["message"]


def test_typed_slash_text_is_not_a_payload(webchat, person):
    resp = say(webchat, person, text="/restart")
    assert resp.status_code == 200
    user_lines = [m["text"] for m in history(webchat, person)["messages"] if m["role"] == "user"]
    assert user_lines[-1] == "restart"


@pytest.mark.parametrize(
    "body,status",
    [
        ({"text": "а" * (MAX_TEXT_CHARS + 1)}, 413),
        ({"text": "а" * 5000}, 413),
        ({"text": "   "}, 400),
        ({"text": 12}, 400),
        ({"payload": "start_consultation"}, 400),
        ({"payload": ["/help"]}, 400),
        ({}, 400),
    ],
)
def test_bad_messages_get_a_polite_4xx(webchat, person, body, status):
    resp = say(webchat, person, **body)
    assert resp.status_code == status
    data = resp.json()
    assert data["message"] and data["texts"]["en"]


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"{not json", b"\xff\xfe"])
def test_non_object_json_is_400(webchat, person, raw):
    resp = person.post(
        f"{webchat.web_url}/api/message", data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert resp.status_code == 400


def test_oversized_body_and_wrong_content_type(webchat, person):
    big = json.dumps({"text": "x", "pad": "y" * 40_000}).encode()
    resp = person.post(
        f"{webchat.web_url}/api/message", data=big, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert resp.status_code == 413
    # A cross-site form can only send form/text bodies: they are refused.
    resp = person.post(f"{webchat.web_url}/api/message", data={"text": "Привіт"}, timeout=30)
    assert resp.status_code == 415
    # Unknown API paths are not proxied anywhere.
    assert person.get(f"{webchat.web_url}/api/status", timeout=10).status_code == 404


def test_direct_channel_on_rasa_refuses_without_cookie_too(webchat):
    resp = requests.post(f"{webchat.url}/webhooks/webchat/message", json={"text": "Привіт"}, timeout=10)
    assert resp.status_code == 401


def _read_events(resp, out: "queue.Queue"):
    event = None
    try:
        for raw in resp.iter_lines():
            line = raw.decode("utf-8")
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event == "message":
                out.put(json.loads(line[len("data: ") :]))
    except ValueError as exc:  # a broken event: the test's assertion shows it
        out.put({"reader_error": repr(exc)})
    except (requests.RequestException, AttributeError):
        pass  # the test closed the stream while this thread was reading it


def notify(webchat, sender_id, key):
    """What the notifier does for a stage change (tracking/notifier.py, channel endpoint)."""
    body = {
        "sender_id": sender_id,
        "name": "EXTERNAL_status_changed",
        "entities": {
            "stage": "arrived",
            "tracked_doc_type": "id_card",
            "number_masked": "КВ****56",
            "notification_key": key,
        },
    }
    resp = requests.post(
        f"{webchat.url}/webhooks/notifier/deliver",
        params={"output_channel": "webchat", "token": webchat.token},
        json=body,
        timeout=120,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_notification_reaches_the_open_page_and_waits_in_the_history(webchat, person):
    say(webchat, person, text="Привіт")
    sender_id = person.cookies[COOKIE_NAME]
    cursor = history(webchat, person)["cursor"]
    stream = person.get(f"{webchat.web_url}/api/events", stream=True, timeout=(10, 120))
    assert stream.status_code == 200 and stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    received: "queue.Queue" = queue.Queue()
    threading.Thread(target=_read_events, args=(stream, received), daemon=True).start()
    try:
        assert notify(webchat, sender_id, "webchat-test:open")["status"] == "sent"
        pushed = received.get(timeout=60)
        assert pushed["role"] == "bot" and "КВ****56" in pushed["text"]
    finally:
        stream.close()
    # With the page closed, the next notification is only in the history (and the open one too).
    assert notify(webchat, sender_id, "webchat-test:closed")["status"] == "sent"
    later = history(webchat, person, after=cursor)["messages"]
    assert sum("КВ****56" in (m.get("text") or "") for m in later) == 2
    # The notifier's own user event is never shown as something the person wrote.
    assert not any(m["role"] == "user" for m in later)
