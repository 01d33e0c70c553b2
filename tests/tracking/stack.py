"""Starts the real processes for end-to-end tests: Rasa, the action server, notifier workers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml

from tests.harness import action_server_args, kill, rasa_args, spawn, wait_port, wait_until  # noqa: F401
from tests.harness import find_model as harness_find_model
from tests.tracking.helpers import REPO, CallbackReceiver

RASA_PORT = 16005
ACTIONS_PORT = 16055
CALLBACK_PORT = 16090
RASA_URL = f"http://127.0.0.1:{RASA_PORT}"


def stage_markers() -> Dict[str, str]:
    """A distinctive piece of each stage's text, read from the domain (not copied into the test)."""
    domain = yaml.safe_load((Path(REPO) / "domain" / "tracking.yml").read_text(encoding="utf-8"))
    out = {}
    for name, variants in domain["responses"].items():
        if name.startswith("utter_tracking_stage_"):
            # The Ukrainian variant is the one without a condition (English has `language: en`).
            text = next(v for v in variants if not v.get("condition"))["text"]
            out[name[len("utter_tracking_stage_") :]] = text.split("): ", 1)[-1][:30]
    return out


def find_model(request) -> str:  # type: ignore[no-untyped-def]
    if os.environ.get("TRACKING_TEST_MODEL"):
        return os.environ["TRACKING_TEST_MODEL"]
    try:
        return str(request.getfixturevalue("trained_model"))
    except Exception:  # noqa: BLE001 - not every suite defines the fixture
        return harness_find_model()


def _popen(args: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    return spawn(args, env, log, append=True)


class Stack:
    def __init__(
        self,
        model: str,
        workdir: Path,
        db_url: str,
        rasa_port: int = RASA_PORT,
        actions_port: int = ACTIONS_PORT,
        callback_port: int = CALLBACK_PORT,
        extra_credentials: str = "",
        extra_env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.extra_credentials = extra_credentials
        self.extra_env = dict(extra_env or {})
        self.model = model
        self.workdir = workdir
        self.db_url = db_url
        self.rasa_port, self.actions_port = rasa_port, actions_port
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        self.receiver = CallbackReceiver(callback_port)
        self.rasa: Optional[subprocess.Popen] = None
        self.actions: Optional[subprocess.Popen] = None
        self.notifiers: List[subprocess.Popen] = []
        # Closed as in production: Rasa's API token, server-issued REST senders (the test process shares the
        # key so that sid() can name users before they speak), a fixed hash key, 127.0.0.1 only.
        self.token = secrets.token_urlsafe(16)
        os.environ["SENDER_ID_SECRET"] = secrets.token_urlsafe(16)
        os.environ.setdefault("TRACKING_HASH_KEY", "e2e-hash-key")
        from connectors.sender_ids import reset_key_cache

        reset_key_cache()
        self._sids: Dict[str, str] = {}

    def sid(self, name: str) -> str:
        """The server-issued REST sender id of the user the test calls `name`."""
        from connectors.sender_ids import issue_sender_id

        return self._sids.setdefault(name, issue_sender_id("rest"))

    @property
    def auth(self) -> Dict[str, str]:
        return {"token": self.token}

    def env(self, **extra: str) -> Dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "RASA_URL": self.rasa_url,
            "RASA_AUTH_TOKEN": self.token,
            "SANIC_HOST": "127.0.0.1",
            "PYTHONPATH": REPO,
            "NOTIFIER_POLL_SECONDS": "0.1",
            "NOTIFIER_LEASE_SECONDS": "4",
            "NOTIFIER_TIMEOUT_SECONDS": "3",
            "NOTIFIER_BACKOFF_SECONDS": "0.5",
            "STATUS_API_TOKEN": "e2e-token",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.extra_env)
        env.update(extra)
        return env

    def start(self) -> "Stack":
        self.receiver.start()
        creds = self.workdir / "credentials.yml"
        creds.write_text(
            f'connectors.rest.RestInput:\ncallback:\n  url: "{self.receiver.url}"\n'
            "tracking.rasa_channel.NotifierInput:\n" + self.extra_credentials,
            encoding="utf-8",
        )
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{self.workdir / "rasa.db"}"\n',
            encoding="utf-8",
        )
        self.start_actions()
        self.start_rasa(wait=False)
        wait_port("127.0.0.1", self.actions_port, 120, self.actions)
        self.wait_rasa()
        return self

    def start_rasa(self, wait: bool = True) -> subprocess.Popen:
        """(Re)start Rasa on the credentials and endpoints written by start(), e.g. after a kill -9."""
        creds, endpoints = self.workdir / "credentials.yml", self.workdir / "endpoints.yml"
        self.rasa = _popen(
            rasa_args(self.model, self.rasa_port, creds, endpoints, self.token), self.env(), self.workdir / "rasa.log"
        )
        if wait:
            self.wait_rasa()
        return self.rasa

    def wait_rasa(self) -> None:
        def loaded() -> bool:
            r = requests.get(f"{self.rasa_url}/status", params=self.auth, timeout=2)
            return r.status_code == 200 and bool(r.json().get("model_file"))

        wait_until(loaded, 300, "Rasa with the model loaded", self.rasa, self.workdir / "rasa.log")

    def start_actions(self) -> subprocess.Popen:
        self.actions = _popen(action_server_args(self.actions_port), self.env(), self.workdir / "actions.log")
        return self.actions

    def stop(self) -> None:
        for p in self.notifiers:
            kill(p)
        kill(self.rasa)
        kill(self.actions)
        self.receiver.stop()

    def say(self, sender: str, text: str) -> List[str]:
        r = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        r.raise_for_status()
        assert r.headers["X-Sender-Id"] == sender, "use stack.sid(name): the server issues REST sender ids"
        return [m.get("text") or "" for m in r.json()]

    def tracker(self, sender: str) -> dict:
        r = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", params=self.auth, timeout=10)
        r.raise_for_status()
        return r.json()

    def start_notifier(
        self, db_url: Optional[str] = None, log_name: str = "notifier.log", **extra: str
    ) -> subprocess.Popen:
        env = self.env(**extra)
        if db_url:
            env["DATABASE_URL"] = db_url
        p = _popen([sys.executable, "-m", "dmsbot.cli", "serve", "--only", "notifier"], env, self.workdir / log_name)
        self.notifiers.append(p)
        return p

    def dmsbot(self, *args: str, db_url: Optional[str] = None) -> subprocess.CompletedProcess:
        env = self.env()
        if db_url:
            env["DATABASE_URL"] = db_url
        return subprocess.run(
            [sys.executable, "-m", "dmsbot.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
