"""Fixtures: the fake Viber API, the action server and the Rasa server with the Viber channel.

Ports 20005 (Rasa), 20055 (actions) and 20081 (fake Viber). The process helpers are the Telegram
suite's (tests/telegram/servers.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tests import harness
from tests.harness import Managed
from tests.viber.fake_viber_api import FakeViberApi

ROOT = Path(__file__).resolve().parents[2]
RASA_PORT = 20005
ACTIONS_PORT = 20055
FAKE_API_PORT = 20081
WEBHOOK_URL = f"http://127.0.0.1:{RASA_PORT}/webhooks/viber/webhook"
RASA_AUTH_TOKEN = "viber-test-rasa-token"  # the notifier channel's token (tracking/rasa_channel.py)


def base_env() -> Dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIBER_", "TELEGRAM_")) and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeViberApi]:
    api = FakeViberApi(FAKE_API_PORT).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def viber_model(request: pytest.FixtureRequest) -> str:
    # VIBER_TEST_MODEL lets a developer point at another model; CI uses the project's.
    return os.environ.get("VIBER_TEST_MODEL") or str(request.getfixturevalue("trained_model"))


@pytest.fixture(scope="session")
def tracking_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('viber-tracking') / 'tracking.db'}"


@pytest.fixture(scope="session")
def rasa_viber(
    fake_api: FakeViberApi, viber_model: str, tracking_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Managed]:
    tmp = tmp_path_factory.mktemp("viber-rasa")
    env = base_env()
    env["DATABASE_URL"] = tracking_db
    env["RASA_AUTH_TOKEN"] = RASA_AUTH_TOKEN
    actions = harness.start_action_server(tmp, ACTIONS_PORT, env)
    try:
        creds, endpoints = harness.write_rasa_files(
            tmp, "viber", "rest:\nconnectors.viber.ViberInput:\ntracking.rasa_channel.NotifierInput:\n", ACTIONS_PORT
        )
        env.update(
            VIBER_TOKEN=fake_api.token,
            VIBER_API_BASE_URL=fake_api.base_url,
            VIBER_WEBHOOK_URL=WEBHOOK_URL,
            VIBER_BOT_NAME="Паспортний помічник (тест)",
        )
        rasa = harness.start_rasa(viber_model, tmp, RASA_PORT, creds, endpoints, env, wait=False)

        try:
            harness.wait_for_rasa(rasa, RASA_PORT)
            fake_api.wait_for("set_webhook", timeout=60)
            yield rasa
        finally:
            rasa.stop()
    finally:
        actions.stop()
