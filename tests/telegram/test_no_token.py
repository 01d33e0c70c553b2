"""Without TELEGRAM_TOKEN the channel is off and the assistant still starts."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.telegram import updates as tg
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import RASA_PORT, Managed, http, start_rasa

BASE = f"http://127.0.0.1:{RASA_PORT}"


@pytest.fixture(scope="module")
def rasa_without_token(
    fake_api: FakeBotApi,
    telegram_model: str,
    action_server: Managed,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Managed]:
    fake_api.reset()
    tmp: Path = tmp_path_factory.mktemp("tg-off")
    # only the base URL is set, so a stray call would still be seen by the fake
    server = start_rasa(telegram_model, tmp, {"TELEGRAM_API_BASE_URL": fake_api.base_url}, "off")
    yield server
    server.stop()


def test_assistant_runs_with_the_channel_off(rasa_without_token: Managed, fake_api: FakeBotApi) -> None:
    assert http("GET", f"{BASE}/webhooks/telegram/")[1]["mode"] == "off"
    status, body = http("POST", f"{BASE}/webhooks/rest/webhook", {"sender": "off-1", "message": "/help"})
    assert status == 200 and body, "the REST channel still answers"
    assert http("POST", f"{BASE}/webhooks/telegram/webhook", tg.text(7001, "/help"))[0] == 404
    # a push to Telegram cannot be delivered: it must fail loudly, not vanish
    status, _ = http(
        "POST",
        f"{BASE}/conversations/7001/trigger_intent?output_channel=telegram",
        {"name": "greet"},
    )
    assert status == 500
    assert fake_api.calls == []
