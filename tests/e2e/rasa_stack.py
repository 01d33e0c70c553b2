"""Starts the real action server and Rasa server (REST channel) on private ports, and stops them."""
from __future__ import annotations

import os
import secrets
import signal
import sys
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


def wait_for(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


class RasaStack:
    def __init__(self, model: Path, workdir: Path, rasa_port: int, action_port: int, env: Optional[Dict[str, str]] = None):
        self.model, self.workdir = model, workdir
        self.rasa_port, self.action_port = rasa_port, action_port
        # Closed as in production: a per-run API token, server-issued REST senders, 127.0.0.1 only.
        self.token = secrets.token_urlsafe(16)
        self.env = {**os.environ, "DMSBOT_TODAY": "2026-11-25", "RASA_AUTH_TOKEN": self.token,
                    "SENDER_ID_SECRET": secrets.token_urlsafe(16), "TRACKING_HASH_KEY": "e2e-hash-key",
                    "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT), **(env or {})}
        self.processes: List[subprocess.Popen] = []
        self.senders: Dict[str, str] = {}  # the test's name for a user -> the id the server issued

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, args: List[str], log_name: str) -> tuple:
        log = self.workdir / log_name
        handle = open(log, "w")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process, log

    def start(self) -> "RasaStack":
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.workdir / "tracker.db"}"\n',
            encoding="utf-8",
        )
        credentials = self.workdir / "credentials.yml"
        credentials.write_text("connectors.rest.RestInput:\n", encoding="utf-8")
        actions, actions_log = self._spawn(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)], "actions.log"
        )
        rasa, rasa_log = self._spawn(
            [sys.executable, str(ROOT / "scripts" / "rasa_run.py"), "--enable-api", "--model", str(self.model), "--port", str(self.rasa_port),
             "--endpoints", str(endpoints), "--credentials", str(credentials), "--interface", "127.0.0.1"],
            "rasa.log",
        )
        try:
            wait_for(f"http://127.0.0.1:{self.action_port}/health", 120, actions, actions_log)
            wait_for(f"{self.url}/", 300, rasa, rasa_log)
            # /status answers before the model is loaded; wait until it is.
            deadline = time.monotonic() + 300
            while not requests.get(f"{self.url}/status", params={"token": self.token},
                                   timeout=5).json().get("model_id"):
                if time.monotonic() > deadline:
                    raise TimeoutError("model not loaded")
                time.sleep(0.5)
        except Exception:
            self.stop()
            raise
        return self

    def say(self, sender: str, text: str) -> List[dict]:
        """Send as the user the test calls `sender`; the first message gets a server-issued id, kept for the rest."""
        body = {"sender": self.senders.get(sender, ""), "message": text}
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=120)
        response.raise_for_status()
        issued = response.headers["X-Sender-Id"]
        assert self.senders.setdefault(sender, issued) == issued, "the server changed a valid sender id"
        return response.json()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def reply_text(messages: List[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def button_payloads(messages: List[dict]) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]
