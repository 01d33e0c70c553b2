"""The notifier channel under faults, on the real Rasa server and action server (ports 22005, 22055, callback
receiver 22090; a private redis-server on 22379 unless TEST_REDIS_URL is set):

- the notification claims in Redis (tracking/delivery_claims.py) as a killed replica leaves them: a retry
  answers `uncertain` / `duplicate` / 409 and sends nothing; a stale claim is taken over and sent once;
- a tracker-store outage (Rasa's SQLite tracker store locked by another connection): `check_tracker_store`
  refuses with 503 and sends nothing, and the retry after the outage delivers exactly once; an outage that
  starts while the message is being sent is ridden out by `save_delivered`, and one that outlasts its retries
  still leaves no duplicate (the claim says `done`);
- Telegram answering after the client's read timeout (fake Bot API on 22081): the message arrived, Rasa saw
  `TimedOut`; the channel answers `uncertain`, and the notifier's retries send nothing twice.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import aiohttp
import pytest
import requests
from aiohttp import web

from tests.harness import redis_server
from tests.telegram.fake_bot_api import FakeBotApi
from tests.tracking.helpers import CallbackReceiver
from tests.tracking.stack import Stack, find_model, stage_markers
from tracking import delivery_claims as dc

RASA_PORT, ACTIONS_PORT, CALLBACK_PORT, FAKE_TELEGRAM_PORT = 22005, 22055, 22090, 22081
LEASE = 3.0
REDIS_PORT = 22379  # a private redis-server when TEST_REDIS_URL is unset
TELEGRAM_READ_TIMEOUT = 15.0  # connectors/telegram.py HTTPXRequest(read_timeout=15.0)


class HookedReceiver(CallbackReceiver):
    """Runs a hook when a message arrives, before answering (so before Rasa goes on to save)."""

    hook: Optional[Callable[[Dict[str, Any]], None]] = None

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.hook is not None:
            self.hook(body)
        with self._lock:
            self.messages.append(body)
        return web.Response(text="ok")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Database 3 of a private redis-server on 22379 (or TEST_REDIS_URL), without earlier runs' claims."""
    import redis

    for url in redis_server(
        tmp_path_factory.mktemp("redis"), REDIS_PORT, 3, "notifier channel fault tests", "claims-test-pw"
    ):
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("notify-claim:*"):
            client.delete(key)
        client.close()
        yield url


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeBotApi]:
    api = FakeBotApi(FAKE_TELEGRAM_PORT).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
    fake_telegram: FakeBotApi,
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("delivery_faults")
    s = Stack(
        find_model(request),
        workdir,
        f"sqlite:///{workdir / 'tracking.db'}",
        RASA_PORT,
        ACTIONS_PORT,
        CALLBACK_PORT,
        extra_credentials="connectors.telegram.TelegramInput:\n",
        extra_env={
            "REDIS_URL": redis_url,
            "NOTIFIER_CLAIM_LEASE_SECONDS": str(LEASE),
            "TELEGRAM_TOKEN": fake_telegram.token,
            "TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        },
    )
    s.receiver = HookedReceiver(CALLBACK_PORT)
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def red(redis_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def body(user: str, key: str) -> Dict[str, Any]:
    return {
        "sender_id": user,
        "name": "EXTERNAL_status_changed",
        "entities": {
            "stage": "arrived",
            "tracked_doc_type": "id_card",
            "number_masked": "КВ****99",
            "notification_key": key,
        },
    }


def deliver(stack: Stack, user: str, key: str, timeout: float = 120, channel: str = "callback") -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/notifier/deliver",
        params={"output_channel": channel, "token": stack.token},
        json=body(user, key),
        timeout=timeout,
    )


def arrived(stack: Stack, user: str, settle: float = 1.0) -> List[str]:
    time.sleep(settle)  # a late (duplicate) message would show up now
    mark = stage_markers()["arrived"]
    return [t for t in stack.receiver.texts_for(user) if mark in t]


def seed(red: Any, user: str, key: str, state: str, owner: str = "killed-replica") -> str:
    """A claim as a replica killed at that point leaves it (Redis server time, as the scripts use)."""
    seconds, micros = red.time()
    ckey = dc.claim_key(user, key)
    red.set(ckey, f"{state}|{owner}|{seconds * 1000 + micros // 1000}", ex=3600)
    return ckey


def claim_state(red: Any, ckey: str) -> Optional[str]:
    value = red.get(ckey)
    return value.split("|", 1)[0] if value else None


# ----------------------------------------------------------------------------- claims through the channel


def test_delivery_claims_the_key_and_marks_it_done(stack: Stack, red: Any) -> None:
    user, key = stack.sid("claims-ok"), "stage:501:arrived:claims-ok"
    r = deliver(stack, user, key)
    assert (r.status_code, r.json()) == (200, {"status": "sent"})
    assert claim_state(red, dc.claim_key(user, key)) == "done"
    assert 0 < red.ttl(dc.claim_key(user, key)) <= 7 * 86400  # expires (NOTIFIER_CLAIM_TTL_DAYS, default 7)
    assert deliver(stack, user, key).json() == {"status": "duplicate"}
    assert len(arrived(stack, user)) == 1


def test_killed_while_sending_is_uncertain_and_not_sent(stack: Stack, red: Any) -> None:
    user, key = stack.sid("claims-sending"), "stage:502:arrived:claims-sending"
    ckey = seed(red, user, key, "sending")
    r = deliver(stack, user, key)
    assert r.status_code == 200 and r.json()["status"] == "uncertain"
    time.sleep(LEASE + 0.5)  # "sending" has no lease
    assert deliver(stack, user, key).json()["status"] == "uncertain"
    assert arrived(stack, user) == []
    assert claim_state(red, ckey) == "sending"


def test_killed_after_sending_before_the_save_is_a_duplicate(stack: Stack, red: Any) -> None:
    user, key = stack.sid("claims-done"), "stage:503:arrived:claims-done"
    seed(red, user, key, "done")
    assert deliver(stack, user, key).json() == {"status": "duplicate"}
    assert arrived(stack, user) == []


def test_killed_before_sending_is_refused_then_taken_over(stack: Stack, red: Any) -> None:
    user, key = stack.sid("claims-stale"), "stage:504:arrived:claims-stale"
    ckey = seed(red, user, key, "claimed")
    r = deliver(stack, user, key)
    assert r.status_code == 409 and "in progress" in r.json()["error"]
    assert claim_state(red, ckey) == "claimed" and arrived(stack, user, 0.2) == []
    time.sleep(LEASE + 0.5)
    assert deliver(stack, user, key).json() == {"status": "sent"}
    assert claim_state(red, ckey) == "done"
    assert len(arrived(stack, user)) == 1


def test_rasa_killed_between_sending_and_saving_does_not_send_twice(stack: Stack, red: Any) -> None:
    """The scenario of issue 13: kill -9 of Rasa after its channel handed the message over and before the
    conversation was saved. The restarted Rasa finds no trace in the conversation; the claim (`sending`) makes
    the retry answer `uncertain` instead of sending the stage again. Runs last among the claim tests: Rasa
    restarts (about a minute)."""
    import os
    import signal

    user, key = stack.sid("claims-killed"), "stage:505:arrived:claims-killed"
    assert stack.rasa is not None
    victim = stack.rasa

    def on_message(message: Dict[str, Any]) -> None:
        if message.get("recipient_id") == user:
            os.killpg(victim.pid, signal.SIGKILL)  # before answering: Rasa is still in the send

    stack.receiver.hook = on_message  # type: ignore[attr-defined]
    try:
        with pytest.raises(requests.RequestException):
            deliver(stack, user, key)
    finally:
        stack.receiver.hook = None  # type: ignore[attr-defined]
    victim.wait(20)
    assert claim_state(red, dc.claim_key(user, key)) == "sending"
    stack.start_rasa()
    events = stack.tracker(user)["events"]
    assert not any(e.get("event") == "user" for e in events)  # the conversation was never saved
    r = deliver(stack, user, key)
    assert r.status_code == 200 and r.json()["status"] == "uncertain"
    assert len(arrived(stack, user)) == 1


# ----------------------------------------------------------------------------- tracker-store outage


def rasa_db(stack: Stack) -> Path:
    return stack.workdir / "rasa.db"


class DbOutage:
    """Rasa's SQLite tracker store made unavailable: another connection holds the exclusive lock, so Rasa's
    reads and writes fail with «database is locked» (after SQLite's 5 s busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: Optional[sqlite3.Connection] = None
        self._mutex = threading.Lock()

    def start(self) -> None:
        with self._mutex:
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10, check_same_thread=False)
            conn.execute("BEGIN EXCLUSIVE")
            self.conn = conn

    def end(self) -> None:
        with self._mutex:
            if self.conn is not None:
                self.conn.execute("ROLLBACK")
                self.conn.close()
                self.conn = None


def test_tracker_store_outage_refuses_then_delivers_once(stack: Stack, red: Any) -> None:
    user, key = stack.sid("outage"), "stage:601:arrived:outage"
    outage = DbOutage(rasa_db(stack))
    outage.start()
    try:
        r = deliver(stack, user, key)
        assert r.status_code == 503, r.text
        assert "tracker store unavailable" in r.json()["error"]
        assert arrived(stack, user) == []
        assert claim_state(red, dc.claim_key(user, key)) is None  # released: nothing was sent
    finally:
        outage.end()
    assert deliver(stack, user, key).json() == {"status": "sent"}
    assert deliver(stack, user, key).json() == {"status": "duplicate"}
    assert len(arrived(stack, user)) == 1


def test_outage_while_sending_is_ridden_out_by_save_delivered(stack: Stack, red: Any) -> None:
    """The store goes away as the message goes out and comes back 7 s later (past the first save's 5 s busy
    timeout): the record still reaches the store, so even without the claim a retry is a duplicate."""
    user, key = stack.sid("outage-save"), "stage:602:arrived:outage-save"
    outage = DbOutage(rasa_db(stack))

    def on_message(message: Dict[str, Any]) -> None:
        if message.get("recipient_id") == user and outage.conn is None:
            outage.start()
            threading.Timer(7.0, outage.end).start()

    stack.receiver.hook = on_message  # type: ignore[attr-defined]
    try:
        assert deliver(stack, user, key).json() == {"status": "sent"}
    finally:
        stack.receiver.hook = None  # type: ignore[attr-defined]
        time.sleep(0.1)
    red.delete(dc.claim_key(user, key))  # the conversation alone must know
    events = stack.tracker(user)["events"]
    keys = [
        e["parse_data"]["entities"]
        for e in events
        if e.get("event") == "user" and "EXTERNAL_status_changed" in (e.get("text") or "")
    ]
    assert any(ent.get("value") == key for ents in keys for ent in ents)
    assert deliver(stack, user, key).json() == {"status": "duplicate"}
    assert len(arrived(stack, user)) == 1


def test_outage_outlasting_the_save_retries_leaves_no_duplicate(stack: Stack, red: Any) -> None:
    """The save gives up (Rasa keeps the conversation in its fail-safe memory only); after the outage the store
    has no record of the message, and the claim (done) stops the retry from sending it again."""
    user, key = stack.sid("outage-long"), "stage:603:arrived:outage-long"
    outage = DbOutage(rasa_db(stack))

    def on_message(message: Dict[str, Any]) -> None:
        if message.get("recipient_id") == user and outage.conn is None:
            outage.start()

    stack.receiver.hook = on_message  # type: ignore[attr-defined]
    try:
        r = deliver(stack, user, key, timeout=180)
    finally:
        stack.receiver.hook = None  # type: ignore[attr-defined]
        outage.end()
    assert r.json() == {"status": "sent"}
    assert claim_state(red, dc.claim_key(user, key)) == "done"
    assert deliver(stack, user, key).json() == {"status": "duplicate"}
    assert len(arrived(stack, user)) == 1


# ----------------------------------------------------------------------------- Telegram: a timeout after sending


def test_telegram_timeout_after_sending_is_uncertain_and_never_sent_twice(
    stack: Stack, fake_telegram: FakeBotApi
) -> None:
    """The Bot API carries the message out but answers after the client's read timeout: Rasa sees TimedOut.
    The notifier (its own delivery code, tracking/notifier.py) takes `uncertain` as done, and its retries of the
    row (claim lease expired: it first reads the conversation) send nothing more."""
    import asyncio

    from tracking.notifier import NotifierConfig, RasaDelivery
    from tracking.store import Claimed

    chat = "700123456"
    key = f"stage:701:arrived:{chat}"
    fake_telegram.delay("sendMessage", lambda p: str(p.get("chat_id")) == chat, TELEGRAM_READ_TIMEOUT + 3)
    cfg = NotifierConfig(
        rasa_url=stack.rasa_url, rasa_token=stack.token, request_timeout=90, endpoint="channel", viber_notify=True
    )

    def row(uncertain: bool) -> Claimed:
        entities = dict(body(chat, key)["entities"])
        return Claimed(1, "t", chat, "telegram", "EXTERNAL_status_changed", entities, key, 1, uncertain, None)

    async def notifier_attempts() -> List[Any]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=cfg.request_timeout)) as session:
            delivery = RasaDelivery(cfg, session)
            first = await delivery.send(row(False))  # no exception: the row is marked sent
            seen = await delivery.already_delivered(row(True))  # a retry after a lost lease looks first
            again = await delivery.send(row(True))  # and even if it sent: duplicate, nothing goes out
            return [first, seen, again]

    started = time.monotonic()
    assert asyncio.run(notifier_attempts()) == [None, True, None]
    assert time.monotonic() - started >= TELEGRAM_READ_TIMEOUT  # the first attempt did time out
    r = deliver(stack, chat, key, channel="telegram")
    assert r.json() == {"status": "duplicate"}
    time.sleep(1)
    sent = [c for c in fake_telegram.find("sendMessage") if str(c.params.get("chat_id")) == chat]
    assert len(sent) == 1 and stage_markers()["arrived"] in sent[0].params.get("text", "")
    log = (stack.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "may have been delivered" in log
