"""Tracking store on SQLite and PostgreSQL: stage rules, outbox, subscriptions, privacy, rate limits."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import inspect, text

from tracking.stages import MAIN_STAGES, find_number_in_text, normalize_number
from tracking.store import utcnow

NUM = "КВ123456"


def test_number_formats_are_normalised_and_bad_ones_rejected():
    assert normalize_number("кв 123456").normalized == "КВ123456"
    assert normalize_number("KB123456").kind == "booklet"  # Latin look-alikes on a Latin keyboard
    assert normalize_number("001234567").kind == "id_card"
    assert normalize_number("І-ВЛ 648009").normalized == "І-ВЛ648009"
    assert normalize_number("1-ВЛ648009").kind == "birth_certificate"
    assert normalize_number("FS341265").kind == "foreign_passport"
    for bad in ("12345", "КВ12345", "", "КВ1234567", "hello"):
        assert normalize_number(bad) is None
    assert find_number_in_text("чи готовий мій паспорт, книжечка КВ123456").normalized == NUM


def test_forward_moves_only_replays_and_backwards_are_ignored(store):
    assert store.apply_status("id_card", NUM, "submitted").accepted
    assert not store.apply_status("id_card", NUM, "submitted").accepted  # replay
    assert store.apply_status("id_card", NUM, "sent_to_personalization").accepted  # skipping is fine
    assert not store.apply_status("id_card", NUM, "approved_for_personalization").accepted  # backwards
    assert store.apply_status("id_card", NUM, "suspended").accepted
    assert store.apply_status("id_card", NUM, "sent_to_personalization").accepted  # resumes
    assert store.apply_status("id_card", NUM, "arrived").accepted
    assert store.apply_status("id_card", NUM, "issued").accepted
    assert not store.apply_status("id_card", NUM, "arrived").accepted  # after a terminal stage
    assert store.get_status("id_card", "кв 123456").stage == "issued"
    # A different doc_type with the same base number is another application.
    assert store.get_status("foreign_passport", NUM) is None


def test_one_outbox_row_per_subscriber_and_stage(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.subscribe("chat-b", "rest", "id_card", "кв123456")
    store.subscribe("chat-a", "telegram", "id_card", NUM)  # twice: still one subscription
    for stage in MAIN_STAGES[:3]:
        assert store.apply_status("id_card", NUM, stage).queued == 2
        assert store.apply_status("id_card", NUM, stage).queued == 0
    rows = store.outbox_rows()
    assert len(rows) == 6
    assert len({r.idempotency_key for r in rows}) == 6
    assert {r.chat_id for r in rows} == {"chat-a", "chat-b"}
    assert [r.entities["stage"] for r in rows if r.chat_id == "chat-a"] == list(MAIN_STAGES[:3])


def test_full_document_number_is_never_stored(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    store.lookup("chat-a", "id_card", NUM)
    found = []
    with store.engine.connect() as conn:
        for table in inspect(store.engine).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                blob = " ".join(str(v) for v in row)
                if "123456" in blob:
                    found.append((table, blob))
    assert found == []
    assert store.list_subscriptions("chat-a")[0].masked == "КВ****56"


def test_unsubscribe_one_or_all_and_delete_my_data(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.subscribe("chat-a", "telegram", "foreign_passport", "001234567")
    store.subscribe("chat-b", "telegram", "id_card", NUM)
    store.set_expiry_reminder("chat-a", "telegram", "id_card", dt.date(2027, 3, 12))
    store.apply_status("id_card", NUM, "submitted")
    store.lookup("chat-a", "id_card", NUM)
    assert store.unsubscribe("chat-a", doc_type="foreign_passport") == 1
    assert [s.doc_type for s in store.list_subscriptions("chat-a")] == ["id_card"]
    counts = store.delete_user_data("chat-a")
    assert counts == {"subscriptions": 1, "reminders": 1, "outbox": 1, "lookups": 1}
    assert store.list_subscriptions("chat-a") == []
    assert store.list_reminders("chat-a") == []
    assert [r.chat_id for r in store.outbox_rows()] == ["chat-b"]
    assert len(store.list_subscriptions("chat-b")) == 1  # other users untouched
    assert store.unsubscribe("chat-b") == 1


def test_lookup_rate_limited_per_chat(store):
    store.apply_status("id_card", NUM, "arrived")
    assert store.lookup("chat-a", "id_card", NUM).application.stage == "arrived"
    # Distinct documents per day: the scraping pattern.
    assert store.lookup("chat-a", "id_card", "КВ000001").allowed
    assert store.lookup("chat-a", "id_card", "КВ000002").allowed
    blocked = store.lookup("chat-a", "id_card", "КВ000003")
    assert not blocked.allowed and blocked.retry_after_minutes > 0
    assert store.lookup("chat-b", "id_card", "КВ000003").allowed  # another chat is not affected
    # Repeating a known number is allowed until the hourly cap.
    results = [store.lookup("chat-a", "id_card", NUM).allowed for _ in range(10)]
    assert results.count(True) == 7 and results[-1] is False


def test_claim_keeps_per_chat_order_and_marks(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    store.apply_status("id_card", NUM, "approved_for_personalization")
    first = store.claim(10, lease_seconds=60)
    assert [c.entities["stage"] for c in first] == ["submitted"]
    assert store.claim(10, lease_seconds=60) == []  # second waits for the first
    assert store.mark_sent(first[0].id, first[0].token)
    assert not store.mark_sent(first[0].id, first[0].token)  # a token is good once
    second = store.claim(10, lease_seconds=60)
    assert [c.entities["stage"] for c in second] == ["approved_for_personalization"]
    assert not second[0].uncertain


def test_expired_lease_is_reclaimed_as_uncertain(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    c1 = store.claim(10, lease_seconds=60)[0]
    assert store.claim(10, lease_seconds=60) == []
    c2 = store.claim(10, lease_seconds=0)[0]  # lease over: the first worker is presumed dead
    assert c2.id == c1.id and c2.uncertain and c2.attempts == 2
    assert not store.mark_sent(c1.id, c1.token)  # the dead worker's token no longer counts
    assert store.mark_sent(c2.id, c2.token)


def test_failures_back_off_then_dead_letter_and_retry(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    for attempt in range(1, 4):
        c = store.claim(10, 60)
        assert len(c) == 1, attempt
        state = store.mark_failed(c[0].id, c[0].token, "HTTP 500", max_attempts=3, base_backoff=0)
        assert state == ("dead" if attempt == 3 else "pending")
    assert store.claim(10, 60) == []
    dead = store.outbox_rows("dead")
    assert len(dead) == 1 and dead[0].last_error == "HTTP 500"
    assert store.retry_dead([dead[0].id]) == 1
    assert len(store.claim(10, 60)) == 1


def test_backoff_delays_the_next_attempt(store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    c = store.claim(10, 60)[0]
    store.mark_failed(c.id, c.token, "HTTP 502", max_attempts=5, base_backoff=30)
    assert store.claim(10, 60) == []
    row = store.outbox_rows()[0]
    assert row.next_attempt_at > utcnow() + dt.timedelta(seconds=20)


def test_concurrent_claims_never_share_a_row(store):
    for i in range(60):
        store.subscribe(f"chat-{i}", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    got, errors = [], []

    def worker() -> None:
        try:
            for _ in range(20):
                got.extend(c.id for c in store.claim(7, 60))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got) == sorted(set(got))
    assert len(got) == 60


def test_expiry_reminders_are_planned_and_queued_once(store):
    today = dt.date(2026, 11, 25)
    rs = store.set_expiry_reminder(
        "chat-a", "telegram", "temporary_residence_permit", dt.date(2027, 3, 12), today=today
    )
    plan = {r.kind: r.remind_on for r in rs}
    # A temporary permit gets its own rule only (no ID-card «month before» window): 15 working days before
    # 12.03.2027 (a Friday) is 19.02.2027, the last day ЦНАП still accepts the exchange; remind a week before.
    assert plan == {"permit_exchange_deadline": dt.date(2027, 2, 12)}
    assert store.queue_due_reminders(dt.date(2027, 2, 11)) == 0
    assert store.queue_due_reminders(dt.date(2027, 2, 12)) == 1
    assert store.queue_due_reminders(dt.date(2027, 2, 13)) == 0
    stages = sorted(r.entities["stage"] for r in store.outbox_rows())
    assert stages == ["permit_exchange_deadline"]
    # A passport's reminder that is already due goes out at once rather than never.
    rs = store.set_expiry_reminder("chat-b", "foreign_passport", "foreign_passport", dt.date(2026, 12, 1), today=today)
    assert [r.remind_on for r in rs] == [today]


def test_lookup_rate_limited_per_source_across_new_senders(store):
    """Fresh sender ids from one address do not get around the limit (the Migri scraping case)."""
    store.limits.distinct_per_day, store.limits.lookups_per_hour, store.limits.source_factor = 2, 3, 2
    numbers = ["КВ100001", "КВ100002", "КВ100003", "КВ100004", "КВ100005"]
    results = [store.lookup(f"rest.sender-{i}", "id_card", n, source="src:abc") for i, n in enumerate(numbers)]
    assert [r.allowed for r in results] == [True, True, True, True, False]
    assert results[-1].retry_after_minutes == 24 * 60
    # Another address is not affected; the same numbers again count per hour.
    assert store.lookup("rest.sender-x", "id_card", numbers[4], source="src:other").allowed
    again = [store.lookup(f"rest.sender-y{i}", "id_card", numbers[0], source="src:abc").allowed for i in range(3)]
    assert again == [True, True, False]  # 6 lookups an hour from one source
