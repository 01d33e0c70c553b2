"""Notifier against a stand-in Rasa over HTTP: order, retries, dead letters, RetryAfter, crash recovery."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from tracking.notifier import Notifier, NotifierConfig, RasaDelivery
from tracking.stages import MAIN_STAGES

NUM = "КВ123456"


def cfg(fake, **kw) -> NotifierConfig:
    base = dict(
        rasa_url=fake.url,
        rasa_token=None,
        rest_output_channel="callback",
        rate_per_sec=200,
        batch_size=50,
        concurrency=8,
        poll_interval=0.05,
        request_timeout=5,
        lease_seconds=30,
        max_attempts=3,
        base_backoff=0.05,
    )
    base.update(kw)
    return NotifierConfig(**base)


async def drain(notifier: Notifier, timeout: float = 10.0) -> None:
    """Run the notifier until nothing is pending or in flight (dead rows stay)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        d = RasaDelivery(notifier.cfg, session)
        while time.monotonic() < deadline:
            await notifier.run_once(d)
            counts = notifier.store.outbox_counts()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(0.02)


async def test_delivers_every_stage_once_in_order(store, fake_rasa):
    store.subscribe("chat-a", "rest", "id_card", NUM)
    store.subscribe("chat-b", "telegram", "id_card", NUM)
    for stage in MAIN_STAGES[:5]:
        store.apply_status("id_card", NUM, stage)
        store.apply_status("id_card", NUM, stage)  # replays change nothing
    await drain(Notifier(store, cfg(fake_rasa)))
    assert fake_rasa.stages_for("chat-a") == list(MAIN_STAGES[:5])
    assert fake_rasa.stages_for("chat-b") == list(MAIN_STAGES[:5])
    channels = {(c, ch) for c, ch, _ in fake_rasa.delivered}
    assert channels == {("chat-a", "callback"), ("chat-b", "telegram")}  # REST goes out via callback
    assert store.outbox_counts() == {"sent": 10}


async def test_retries_with_backoff_then_succeeds(store, fake_rasa):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    fake_rasa.fail_next = 2
    await drain(Notifier(store, cfg(fake_rasa, max_attempts=5)))
    assert fake_rasa.stages_for("chat-a") == ["submitted"]
    assert fake_rasa.calls == 3
    row = store.outbox_rows()[0]
    assert row.status == "sent" and row.attempts == 3


async def test_dead_letter_after_max_attempts_keeps_later_rows_flowing(store, fake_rasa):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    fake_rasa.fail_next = 3
    await drain(Notifier(store, cfg(fake_rasa, max_attempts=3)))
    assert [r.status for r in store.outbox_rows()] == ["dead"]
    assert "HTTP 500" in store.outbox_rows()[0].last_error
    store.apply_status("id_card", NUM, "approved_for_personalization")
    await drain(Notifier(store, cfg(fake_rasa)))
    assert fake_rasa.stages_for("chat-a") == ["approved_for_personalization"]
    store.retry_dead()
    await drain(Notifier(store, cfg(fake_rasa)))
    assert fake_rasa.stages_for("chat-a") == ["approved_for_personalization", "submitted"]
    assert store.outbox_counts() == {"sent": 2}


async def test_retry_after_pauses_without_counting_a_failure(store, fake_rasa):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    fake_rasa.retry_after_next = 1
    started = time.monotonic()
    await drain(Notifier(store, cfg(fake_rasa, max_attempts=1)))
    assert fake_rasa.stages_for("chat-a") == ["submitted"]  # max_attempts=1 yet not dead-lettered
    assert time.monotonic() - started >= 0.9  # waited the second Rasa/Telegram asked for
    assert store.outbox_rows()[0].attempts == 1


async def test_uncertain_row_already_in_conversation_is_not_sent_again(store, fake_rasa):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    # A worker claims the row, Rasa gets the message, and the worker dies before marking it sent.
    claimed = store.claim(10, lease_seconds=60)[0]
    async with aiohttp.ClientSession() as session:
        await RasaDelivery(cfg(fake_rasa), session).send(claimed)
    assert len(fake_rasa.delivered) == 1
    await drain(Notifier(store, cfg(fake_rasa, lease_seconds=0)))
    assert len(fake_rasa.delivered) == 1
    assert store.outbox_counts() == {"sent": 1}


async def test_uncertain_row_not_in_conversation_is_sent(store, fake_rasa):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    store.claim(10, lease_seconds=60)  # the worker died before reaching Rasa
    await drain(Notifier(store, cfg(fake_rasa, lease_seconds=0)))
    assert fake_rasa.stages_for("chat-a") == ["submitted"]


async def test_paces_itself(store, fake_rasa):
    for i in range(30):
        store.subscribe(f"chat-{i}", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    started = time.monotonic()
    await drain(Notifier(store, cfg(fake_rasa, rate_per_sec=20)))
    elapsed = time.monotonic() - started
    assert len(fake_rasa.delivered) == 30
    assert elapsed >= 0.45  # 30 messages at 20/s with a burst of 20 need at least 0.5 s


async def test_reminders_go_through_the_outbox(store, fake_rasa):
    import datetime as dt

    store.set_expiry_reminder("chat-a", "telegram", "id_card", dt.date.today() + dt.timedelta(days=10))
    await drain(Notifier(store, cfg(fake_rasa)))
    assert fake_rasa.stages_for("chat-a") == ["expiry_soon"]
    await drain(Notifier(store, cfg(fake_rasa)))
    assert len(fake_rasa.delivered) == 1


async def test_rasa_down_then_back_delivers_once(store):
    from tests.tracking.helpers import FakeRasa

    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    down = FakeRasa(16082)  # not started yet: connection refused
    n = Notifier(store, cfg(down, max_attempts=10, base_backoff=0.2))
    async with aiohttp.ClientSession() as session:
        await n.run_once(RasaDelivery(n.cfg, session))
    row = store.outbox_rows()[0]
    assert row.status == "pending" and row.attempts == 1 and "ClientConnectorError" in row.last_error
    down.start()
    try:
        await drain(n)
    finally:
        down.stop()
    assert down.stages_for("chat-a") == ["submitted"]
    assert store.outbox_counts() == {"sent": 1}
