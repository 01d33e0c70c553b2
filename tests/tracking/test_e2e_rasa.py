"""End to end with the real Rasa server, action server and notifier processes.

A user subscribes through the REST channel; `dmsbot status set` moves the application through every
stage; exactly one message per stage reaches Rasa's callback channel, in order. Notifiers are
SIGKILLed between stages and mid-delivery; two workers on PostgreSQL never send twice.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.tracking.conftest import make_db_url
from tests.tracking.stack import Stack, find_model, kill, stage_markers
from tracking.db import make_engine
from tracking.stages import MAIN_STAGES
from tracking.store import TrackingStore

MARKERS = stage_markers()


def stage_of(text: str) -> str:
    found = [s for s, m in MARKERS.items() if m in text]
    return found[0] if len(found) == 1 else f"?{text[:40]}"


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("tracking_e2e")
    db_url = f"sqlite:///{workdir / 'tracking.db'}"
    TrackingStore(make_engine(db_url)).engine.dispose()  # migrate once before the processes start
    s = Stack(find_model(request), workdir, db_url)
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture
def store(stack):  # type: ignore[no-untyped-def]
    st = TrackingStore(make_engine(stack.db_url))
    yield st
    st.engine.dispose()


def wait_outbox_idle(store: TrackingStore, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        c = store.outbox_counts()
        if not c.get("pending") and not c.get("sending"):
            return
        time.sleep(0.2)
    raise AssertionError(f"outbox not drained: {store.outbox_counts()}")


def test_dialogue_subscribe_then_one_message_per_stage_in_order(stack, store):
    user = stack.sid("e2e-rest-user")
    assert any("Який документ" in t for t in stack.say(user, "/track_document"))
    assert any("серію та номер" in t for t in stack.say(user, '/inform{"doc_type":"id_card"}'))
    bad = " ".join(stack.say(user, "КВ12"))
    assert "Не вдалося розпізнати номер" in bad and "КВ123456" in bad  # a clear example
    shown = " ".join(stack.say(user, "кв 123456"))
    assert MARKERS["not_found"] in shown and "повідомляв" in shown
    assert any("Готово! Я напишу" in t for t in stack.say(user, "/affirm"))
    subs = store.list_subscriptions(user)
    assert [(s.doc_type, s.masked, s.channel) for s in subs] == [("id_card", "КВ****56", "rest")]

    # Rasa's standard trigger_intent endpoint here; the other tests use the notifier channel.
    notifier = stack.start_notifier(log_name="notifier-order.log", NOTIFIER_RASA_ENDPOINT="trigger_intent")
    try:
        for i, stage in enumerate(MAIN_STAGES, start=1):
            r = stack.dmsbot("status", "set", "id_card", "КВ123456", stage)
            assert r.returncode == 0 and "1 notification(s) queued" in r.stdout, r.stderr
            texts = stack.receiver.wait_for(user, i, 30)
            assert len(texts) == i, texts
        stack.dmsbot("status", "set", "id_card", "КВ123456", "arrived")  # replay of an old stage
        wait_outbox_idle(store)
        time.sleep(1.5)
        assert [stage_of(t) for t in stack.receiver.texts_for(user)] == list(MAIN_STAGES)
    finally:
        kill(notifier)
    # The status shown on a new lookup is the latest one, and «Мої підписки» lists it.
    listed = " ".join(stack.say(user, "/my_subscriptions"))
    assert "КВ****56" in listed and "видано" in listed


def test_free_text_number_is_kept_and_only_the_missing_part_is_asked(stack, store):
    user = stack.sid("e2e-free-text")
    store.apply_status("id_card", "КВ654321", "sent_to_personalization")
    texts = " ".join(stack.say(user, "чи готовий мій паспорт, книжечка КВ654321"))
    if "Який документ" in texts:
        # «паспорт» alone may be read as ambiguous: then only the type is asked, never the number again.
        texts = " ".join(stack.say(user, '/inform{"doc_type":"id_card"}'))
    assert "серію та номер" not in texts
    assert MARKERS["sent_to_personalization"] in texts
    assert "Дії" in texts  # a passport shown in Дія is not valid before collection


def test_tracking_without_a_document_asks_only_which_one(stack):
    # The menu's «Відстежити документ»: the form validates the slots action_tracking_start cleared; neither was
    # typed, so no error may be shown.
    texts = stack.say(stack.sid("e2e-no-document"), "/track_document")
    assert any("Який документ" in t for t in texts), texts
    assert not any("Не вдалося" in t or "Я можу відстежити" in t for t in texts), texts
    # docs/tracking.md: a number typed at that question is kept and not asked for again.
    user = stack.sid("e2e-number-first")
    stack.say(user, "/track_document")
    texts = stack.say(user, "001234567")
    assert any("00*****67 записав" in t for t in texts) and any("Який документ" in t for t in texts), texts
    texts = stack.say(user, '/inform{"doc_type":"id_card"}')
    assert not any("серію та номер" in t for t in texts), texts
    assert any("00*****67" in t for t in texts), texts
    # An unreadable number there («12345», heard as tracking again) is explained, and the form does not start over.
    user = stack.sid("e2e-short-number")
    stack.say(user, "хочу перевірити статус")
    texts = stack.say(user, "12345")
    assert any("Не вдалося розпізнати номер «12345»" in t for t in texts), texts
    assert any("Який документ" in t for t in texts), texts
    # At the number question the same «12345» is explained once, and the document stays chosen.
    stack.say(user, '/inform{"doc_type":"id_card"}')
    texts = stack.say(user, "12345")
    assert sum("Не вдалося розпізнати номер" in t for t in texts) == 1, texts
    assert not any("Який документ" in t for t in texts), texts


def test_notification_arrives_in_the_middle_of_a_form_and_the_form_goes_on(stack, store):
    user = stack.sid("e2e-mid-form")
    store.subscribe(user, "rest", "foreign_passport", "001234567")
    assert any("Який документ" in t for t in stack.say(user, "/track_document"))
    notifier = stack.start_notifier(log_name="notifier-midform.log")
    try:
        store.apply_status("foreign_passport", "001234567", "arrived")
        texts = stack.receiver.wait_for(user, 1, 30)
        wait_outbox_idle(store)
        time.sleep(1)
    finally:
        kill(notifier)
    texts = stack.receiver.texts_for(user)
    assert [stage_of(t) for t in texts if not t.startswith("Який документ")] == ["arrived"]
    assert stack.tracker(user)["active_loop"].get("name") == "tracking_form"
    # The user simply answers the question the form asked.
    assert any("серію та номер" in t for t in stack.say(user, '/inform{"doc_type":"id_card"}'))


def test_unsubscribe_reminder_and_delete_my_data(stack, store):
    user = stack.sid("e2e-account")
    store.subscribe(user, "rest", "id_card", "КВ111111")
    store.subscribe(user, "rest", "foreign_passport", "КВ111111")
    which = stack.say(user, "/unsubscribe")
    assert any("Від якого документа" in t for t in which)
    done = " ".join(stack.say(user, '/unsubscribe{"doc_type":"id_card","document_number":"КВ****11"}'))
    assert "ID-картка (КВ****11)" in done
    assert [s.doc_type for s in store.list_subscriptions(user)] == ["foreign_passport"]
    text = " ".join(
        stack.say(user, '/set_expiry_reminder{"doc_type":"temporary_residence_permit","expiry_date":"12.03.2031"}')
    )
    assert "12.02.2031" in text  # a week before the last day ЦНАП still accepts the exchange (19.02.2031)
    assert {r.kind for r in store.list_reminders(user)} == {"permit_exchange_deadline"}
    assert any("Видалити все" in t for t in stack.say(user, "/delete_my_data"))
    assert any("Готово" in t for t in stack.say(user, "/affirm"))
    assert store.list_subscriptions(user) == [] and store.list_reminders(user) == []


def test_sigkill_between_stages_and_mid_delivery_loses_and_duplicates_nothing(stack, store):
    user = stack.sid("e2e-kill")
    number = "КВ222222"
    store.subscribe(user, "rest", "id_card", number)
    kills_mid_delivery = 0
    interrupted = 0  # kills that landed before the row was marked sent (a fast delivery can finish first)
    notifier = stack.start_notifier(log_name="notifier-kill.log")
    try:
        # Between stages: the change is recorded while no notifier runs.
        store.apply_status("id_card", number, MAIN_STAGES[0])
        assert len(stack.receiver.wait_for(user, 1, 30)) == 1
        kill(notifier, signal.SIGKILL)
        store.apply_status("id_card", number, MAIN_STAGES[1])
        notifier = stack.start_notifier(log_name="notifier-kill.log")
        assert len(stack.receiver.wait_for(user, 2, 30)) == 2
        # Mid-delivery: kill as soon as the row is claimed (in flight to Rasa), then restart.
        for stage in MAIN_STAGES[2:]:
            store.apply_status("id_card", number, stage)
            deadline = time.time() + 20
            while time.time() < deadline:
                if any(r.chat_id == user for r in store.outbox_rows("sending")):
                    kill(notifier, signal.SIGKILL)
                    kills_mid_delivery += 1
                    interrupted += any(r.chat_id == user for r in store.outbox_rows("sending"))
                    break
                time.sleep(0.002)
            notifier = stack.start_notifier(log_name="notifier-kill.log")
            wait_outbox_idle(store, 40)
        time.sleep(1.5)
    finally:
        kill(notifier)
    assert kills_mid_delivery >= 2  # the crash window was really hit
    stages = [stage_of(t) for t in stack.receiver.texts_for(user)]
    assert stages == list(MAIN_STAGES), stages
    rows = [r for r in store.outbox_rows() if r.chat_id == user]
    assert {r.status for r in rows} == {"sent"}
    # Each kill that interrupted a delivery left its claim to be taken over (the exact crash points are tested
    # deterministically in tests/tracking/test_delivery_faults.py).
    assert sum(r.attempts >= 2 for r in rows) >= interrupted


def test_two_workers_on_postgresql_never_duplicate(stack, tmp_path):
    gen = make_db_url("postgresql", tmp_path)
    pg_url = next(gen)
    try:
        pg = TrackingStore(make_engine(pg_url))
        users = [f"e2e-pg-{i}" for i in range(40)]
        for u in users:
            pg.subscribe(u, "callback", "foreign_passport", "FS341265")
        workers = [
            stack.start_notifier(db_url=pg_url, log_name=f"notifier-pg-{i}.log", NOTIFIER_BATCH="10") for i in range(2)
        ]
        try:
            for stage in MAIN_STAGES[:3]:
                pg.apply_status("foreign_passport", "FS341265", stage)
            wait_outbox_idle(pg, 90)
            time.sleep(1.5)
        finally:
            for w in workers:
                kill(w)
        per_user = {u: [stage_of(t) for t in stack.receiver.texts_for(u)] for u in users}
        assert all(v == list(MAIN_STAGES[:3]) for v in per_user.values()), per_user
        # Both workers really took part (otherwise "no duplicate" would prove nothing).
        sent_by = [(stack.workdir / f"notifier-pg-{i}.log").read_text().count(": sent outbox ") for i in range(2)]
        assert all(n > 0 for n in sent_by) and sum(sent_by) == 120, sent_by
        pg.engine.dispose()
    finally:
        gen.close()


def test_notifier_channel_refuses_a_second_delivery_of_the_same_key(stack):
    import requests

    from tests.tracking.stack import RASA_URL

    user = "e2e-channel-dedupe"
    body = {
        "sender_id": user,
        "name": "EXTERNAL_status_changed",
        "entities": {
            "stage": "arrived",
            "tracked_doc_type": "id_card",
            "number_masked": "КВ****99",
            "notification_key": f"stage:999:arrived:{user}",
        },
    }
    url = f"{RASA_URL}/webhooks/notifier/deliver?output_channel=callback"
    assert requests.post(url, json=body, timeout=30).status_code == 401  # no token
    url += f"&token={stack.token}"
    assert requests.post(url, json=body, timeout=30).json() == {"status": "sent"}
    assert requests.post(url, json=body, timeout=30).json() == {"status": "duplicate"}
    time.sleep(1)
    assert [stage_of(t) for t in stack.receiver.texts_for(user)] == ["arrived"]
    r = requests.post(url, json={"name": "EXTERNAL_status_changed"}, timeout=30)
    assert r.status_code == 400


def test_questions_and_typed_titles_at_the_tracking_questions(stack, store):
    # A foreigner's passport number typed before the document: kept for a permit, never «could not read» beside
    # «noted».
    user = stack.sid("e2e-foreign-first")
    stack.say(user, "/track_document")
    texts = stack.say(user, "N4567891")
    assert any("N4****91 записав" in t for t in texts) and not any("Не вдалося" in t for t in texts), texts
    store.apply_status("temporary_residence_permit", "N4567891", "submitted")
    texts = stack.say(user, '/inform{"doc_type":"temporary_residence_permit"}')
    assert not any("серію та номер" in t or "Не вдалося" in t for t in texts), texts
    assert any("N4****91" in t for t in texts), texts
    # A term question naming a document at «which document?» is answered, not taken for the choice.
    user = stack.sid("e2e-question-at-type")
    stack.say(user, "/track_document")
    texts = " ".join(stack.say(user, "а скільки чекати айді?"))
    assert "робочих днів" in texts and "за документом" not in texts, texts
    # With the number already typed, the answer is followed by the document buttons that go on with the lookup.
    user = stack.sid("e2e-resume")
    store.apply_status("id_card", "КВ777222", "submitted")
    texts = stack.say(user, "перевірити статус КВ777222")
    assert any("Який документ" in t for t in texts), texts
    texts = " ".join(stack.say(user, "а скільки чекати айді?"))
    assert "робочих днів" in texts and "КВ****22" in texts, texts
    texts = " ".join(stack.say(user, '/track_document{"doc_type":"id_card","document_number":"resume"}'))
    assert MARKERS["submitted"] in texts and "серію та номер" not in texts, texts
    # The offer's button title typed as text subscribes, as the press does.
    user = stack.sid("e2e-typed-offer")
    store.apply_status("id_card", "КВ777111", "submitted")
    texts = " ".join(stack.say(user, "де мій паспорт КВ777111"))
    if "Який документ" in texts:
        texts = " ".join(stack.say(user, '/inform{"doc_type":"id_card"}'))
    assert "Так, підписатися" in texts or "повідомляв" in texts, texts
    texts = " ".join(stack.say(user, "Так, підписатися"))
    assert "Готово" in texts, texts
