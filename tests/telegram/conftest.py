"""Fixtures: the fake Bot API, the action server and the Rasa server (webhook / polling)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import (
    FAKE_API_PORT,
    WEBHOOK_SECRET,
    Managed,
    start_action_server,
    start_rasa,
)

WEBHOOK_PUBLIC_URL = "https://bot.example.test"


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(FAKE_API_PORT).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def telegram_model(request: pytest.FixtureRequest) -> str:
    # TELEGRAM_TEST_MODEL lets a developer point at another model; CI uses the project's.
    override = os.environ.get("TELEGRAM_TEST_MODEL")
    if override:
        return override
    return str(request.getfixturevalue("trained_model"))


@pytest.fixture(scope="session")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Managed]:
    server = start_action_server(tmp_path_factory.mktemp("tg-actions"))
    yield server
    server.stop()


def telegram_env(fake: FakeBotApi, webhook: bool) -> dict:
    env = {"TELEGRAM_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    if webhook:
        env["TELEGRAM_WEBHOOK_URL"] = WEBHOOK_PUBLIC_URL
        env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return env


@pytest.fixture(scope="module")
def rasa_webhook(
    fake_api: FakeBotApi,
    telegram_model: str,
    action_server: Managed,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Managed]:
    fake_api.reset()
    tmp: Path = tmp_path_factory.mktemp("tg-webhook")
    server = start_rasa(telegram_model, tmp, telegram_env(fake_api, webhook=True), "webhook")
    try:
        fake_api.wait_for("setWebhook", timeout=60)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rasa_polling(
    fake_api: FakeBotApi,
    telegram_model: str,
    action_server: Managed,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Managed]:
    fake_api.reset()
    tmp: Path = tmp_path_factory.mktemp("tg-polling")
    server = start_rasa(telegram_model, tmp, telegram_env(fake_api, webhook=False), "polling")
    try:
        fake_api.wait_for("getUpdates", timeout=60)
        yield server
    finally:
        server.stop()
