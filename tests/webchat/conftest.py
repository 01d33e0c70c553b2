"""The real Rasa + action server with the web chat channel, and the page server in front of them (ports 43xxx)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.rasa_stack import ROOT, RasaStack, wait_for

RASA_PORT, ACTION_PORT, WEB_PORT = 19005, 19055, 19080
CREDENTIALS = "rest:\nconnectors.webchat.WebChatInput:\ntracking.rasa_channel.NotifierInput:\n"


class WebChatStack(RasaStack):
    """RasaStack with the web chat channel registered and web/server.py started in front of it."""

    CREDENTIALS = CREDENTIALS

    def start(self) -> "WebChatStack":
        super().start()
        web, log = self._spawn(
            [sys.executable, "-m", "web.server", "--port", str(WEB_PORT), "--rasa-url", self.url], "web.log"
        )
        try:
            wait_for(f"{self.web_url}/", 60, web, log)
        except Exception:
            self.stop()
            raise
        return self

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{WEB_PORT}"


@pytest.fixture(scope="session")
def webchat(trained_model, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("webchat")
    # RasaStack sets a per-run API token and SENDER_ID_SECRET; the page server imports the project's code.
    env = {"PYTHONPATH": str(ROOT)}
    stack = WebChatStack(trained_model, workdir, RASA_PORT, ACTION_PORT, env=env).start()
    yield stack
    stack.stop()


@pytest.fixture()
def person(webchat):
    """A browser-like HTTP session that got its cookie from the page's server."""
    session = requests.Session()
    resp = session.post(f"{webchat.web_url}/api/session", json={}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert "dmsbot_webchat" in session.cookies
    return session


def results_dir() -> Path:
    path = ROOT / "results"
    path.mkdir(exist_ok=True)
    return path
