"""`dmsbot serve` as a process: the status API on its port and the demo simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests

from tests.harness import wait_port
from tests.tracking.helpers import REPO
from tracking.db import make_engine
from tracking.simulator import advance_all
from tracking.stages import MAIN_STAGES
from tracking.store import TrackingStore

PORT = 16080


def test_serve_runs_api_and_simulator(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "STATUS_API_TOKEN": "tok",
        "TRACKING_API_PORT": str(PORT),
        "DEMO_SIMULATOR": "1",
        "DEMO_SIMULATOR_INTERVAL": "0.5",
        "NOTIFIER_WORKERS": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dmsbot.cli", "serve"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_port("127.0.0.1", PORT, 60, proc)
        url = f"http://127.0.0.1:{PORT}/api/v1/status"
        body = {
            "doc_type": "id_card",
            "document_number": "КВ123456",
            "stage": "submitted",
            "changed_at": "2026-11-25T09:00:00Z",
        }
        assert requests.post(url, json=body, timeout=10).status_code == 401
        r = requests.post(url, json=body, headers={"Authorization": "Bearer tok"}, timeout=10)
        assert r.status_code == 200 and r.json()["accepted"] is True
        store = TrackingStore(make_engine(db_url))
        deadline = time.time() + 30
        while time.time() < deadline and store.get_status("id_card", "КВ123456").stage != "arrived":
            time.sleep(0.2)
        assert store.get_status("id_card", "КВ123456").stage == "arrived"  # the simulator stops there
        store.engine.dispose()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, out
    assert "demo simulator on" in out


def test_simulator_walks_the_main_line_and_stops_at_arrived(store):
    store.subscribe("chat-a", "telegram", "id_card", "КВ123456")
    store.apply_status("id_card", "КВ777777", "refused")
    for _ in range(8):
        advance_all(store)
    assert store.get_status("id_card", "КВ123456").stage == "arrived"
    assert store.get_status("id_card", "КВ777777").stage == "refused"
    assert [r.entities["stage"] for r in store.outbox_rows()] == list(MAIN_STAGES[:5])
