"""`dmsbot status|outbox|subscriptions` run as real processes against the database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.tracking.helpers import REPO

NUM = "КВ123456"


def dmsbot(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "dmsbot.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_status_set_and_show(db_url, store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    r = dmsbot(db_url, "status", "set", "id_card", "кв 123456", "submitted")
    assert r.returncode == 0, r.stderr
    assert "stage is now submitted; 1 notification(s) queued" in r.stdout
    assert "123456" not in r.stdout + r.stderr  # only the masked number is shown
    r = dmsbot(db_url, "status", "set", "id_card", NUM, "submitted")
    assert r.returncode == 0 and "ignored" in r.stdout
    r = dmsbot(db_url, "status", "show", "id_card", NUM)
    assert r.returncode == 0 and "submitted" in r.stdout
    r = dmsbot(db_url, "status", "set", "id_card", "12", "arrived")
    assert r.returncode == 2 and "wrong format" in r.stderr
    r = dmsbot(db_url, "status", "set", "id_card", NUM, "cooking")
    assert r.returncode != 0 and "invalid choice" in r.stderr
    assert len(store.outbox_rows()) == 1


def test_status_import_reports_bad_rows_and_keeps_good_ones(db_url, store, tmp_path):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    csv_file = tmp_path / "day.csv"
    csv_file.write_text(
        "doc_type,document_number,stage,changed_at\n"
        "id_card,КВ123456,submitted,2026-11-24T09:00:00+02:00\n"
        "id_card,КВ123456,cooking,2026-11-24T10:00:00+02:00\n"
        "foreign_passport,001234567,approved_for_personalization,2026-11-24T11:00:00Z\n"
        "id_card,КВ12,arrived,2026-11-24T12:00:00Z\n"
        "id_card,КВ123456,approved_for_personalization,not-a-date\n"
        "id_card,КВ123456,approved_for_personalization,2026-11-24T13:00:00Z\n"
        "id_card,КВ123456,submitted,2026-11-24T09:00:00+02:00\n",
        encoding="utf-8",
    )
    r = dmsbot(db_url, "status", "import", str(csv_file))
    assert r.returncode == 1
    assert f"{csv_file}:3: unknown stage 'cooking'" in r.stderr
    assert f"{csv_file}:5: document_number has a wrong format" in r.stderr
    assert f"{csv_file}:6: changed_at" in r.stderr
    assert "3 change(s) applied, 1 ignored (replay/backwards), 3 bad row(s), 2 notification(s) queued" in r.stdout
    assert store.get_status("id_card", NUM).stage == "approved_for_personalization"
    assert store.get_status("foreign_passport", "001234567").stage == "approved_for_personalization"
    r = dmsbot(db_url, "status", "import", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_import_rejects_a_file_without_the_needed_columns(db_url, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("type,number\nid_card,КВ123456\n", encoding="utf-8")
    r = dmsbot(db_url, "status", "import", str(f))
    assert r.returncode == 1 and ":1: header lacks column(s): doc_type, document_number, stage" in r.stderr


def test_outbox_list_and_retry_dead(db_url, store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.apply_status("id_card", NUM, "submitted")
    c = store.claim(10, 60)[0]
    store.mark_failed(c.id, c.token, "HTTP 502 from Rasa", max_attempts=1, base_backoff=0)
    r = dmsbot(db_url, "outbox", "list", "--status", "dead")
    assert r.returncode == 0
    assert f"{c.id}\tdead\tattempts=1\ttelegram:chat-a\tsubmitted\tHTTP 502 from Rasa" in r.stdout
    r = dmsbot(db_url, "outbox", "stats")
    assert "dead\t1" in r.stdout
    r = dmsbot(db_url, "outbox", "retry", str(c.id))
    assert r.returncode == 0 and "1 dead row(s) put back to pending" in r.stdout
    assert [row.status for row in store.outbox_rows()] == ["pending"]
    r = dmsbot(db_url, "outbox", "retry")
    assert r.returncode == 2


def test_subscriptions_commands(db_url, store):
    store.subscribe("chat-a", "telegram", "id_card", NUM)
    store.subscribe("chat-a", "telegram", "foreign_passport", NUM)
    r = dmsbot(db_url, "subscriptions", "list", "--chat", "chat-a")
    assert "2 subscription(s)" in r.stdout and "КВ****56" in r.stdout and "123456" not in r.stdout
    sub_id = store.list_subscriptions("chat-a")[0].id
    r = dmsbot(db_url, "subscriptions", "remove", "--chat", "chat-a", "--id", str(sub_id))
    assert "1 subscription(s) removed" in r.stdout
    r = dmsbot(db_url, "subscriptions", "forget", "--chat", "chat-a")
    assert "subscriptions=1" in r.stdout
    assert store.list_subscriptions("chat-a") == []
