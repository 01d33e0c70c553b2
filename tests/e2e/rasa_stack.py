"""The real action server and Rasa server (REST channel) on private ports, on tests/harness.py."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import requests

from tests.harness import (  # noqa: F401  (ROOT and wait_for: the web chat suite builds on this stack)
    ROOT,
    action_server_args,
    kill,
    rasa_args,
    spawn,
    wait_for,
    wait_until,
    write_rasa_files,
)


class RasaStack:
    CREDENTIALS = "connectors.rest.RestInput:\n"  # the channels; a suite may register more

    def __init__(
        self, model: Path, workdir: Path, rasa_port: int, action_port: int, env: Optional[Dict[str, str]] = None
    ):
        self.model, self.workdir = model, workdir
        self.rasa_port, self.action_port = rasa_port, action_port
        # Closed as in production: a per-run API token, server-issued REST senders, 127.0.0.1 only.
        self.token = secrets.token_urlsafe(16)
        self.env = {
            **os.environ,
            "DMSBOT_TODAY": "2026-11-25",
            "RASA_AUTH_TOKEN": self.token,
            "SENDER_ID_SECRET": secrets.token_urlsafe(16),
            "TRACKING_HASH_KEY": "e2e-hash-key",
            "SANIC_HOST": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.processes: List[subprocess.Popen] = []
        self.senders: Dict[str, str] = {}  # the test's name for a user -> the id the server issued

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, args: List[str], log_name: str) -> tuple:
        log = self.workdir / log_name
        process = spawn(args, self.env, log)
        self.processes.append(process)
        return process, log

    def start(self) -> "RasaStack":
        credentials, endpoints = write_rasa_files(
            self.workdir, "rest", self.CREDENTIALS, self.action_port, tracker_db=self.workdir / "tracker.db"
        )
        actions, actions_log = self._spawn(action_server_args(self.action_port), "actions.log")
        self.env["RASA_AUTH_TOKEN"] = self.token
        rasa, rasa_log = self._spawn(
            rasa_args(str(self.model), self.rasa_port, credentials, endpoints, self.token), "rasa.log"
        )
        try:
            wait_for(f"http://127.0.0.1:{self.action_port}/health", 120, actions, actions_log)
            wait_for(f"{self.url}/", 300, rasa, rasa_log)
            # /status answers before the model is loaded; wait until it is.
            wait_until(
                lambda: bool(
                    requests.get(f"{self.url}/status", params={"token": self.token}, timeout=5).json().get("model_id")
                ),
                300,
                "model",
                rasa,
                rasa_log,
            )
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
            kill(process)
        self.processes.clear()


def reply_text(messages: List[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def button_payloads(messages: List[dict]) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]
