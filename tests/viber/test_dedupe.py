"""A resent callback is answered once, also when it reaches another replica (real redis-server)."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List

import pytest
from rasa.core.channels.channel import UserMessage

from connectors.viber import ViberService, ViberSettings
from tests.harness import redis_server

REDIS_PORT = 20379


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from redis_server(tmp_path_factory.mktemp("redis"), REDIS_PORT, 0, "the Redis variant")


@pytest.fixture(autouse=True)
def tmp_tracking_db(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A first message resumes the user's tracking subscriptions: keep that in a test database.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tracking.db'}")


def replica(received: List[UserMessage]) -> ViberService:
    service = ViberService(ViberSettings.load({"token": "t", "api_base_url": "http://127.0.0.1:9/pa"}, environ={}))

    async def on_new_message(msg: UserMessage) -> None:
        received.append(msg)  # no reply: nothing to send

    service.attach(on_new_message)
    return service


def event(token: int, text: str = "Привіт") -> Dict[str, Any]:
    return {
        "event": "message",
        "timestamp": 1,
        "message_token": token,
        "sender": {"id": "replica-user==", "language": "uk"},
        "message": {"type": "text", "text": text},
    }


async def test_memory_answers_a_token_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    received: List[UserMessage] = []
    service = replica(received)
    assert not service.state.shared
    assert (await service.process(event(1)))[0] == "rasa"
    assert (await service.process(event(1)))[0] == "duplicate"
    assert (await service.process(event(2, "Дякую")))[0] == "rasa"
    assert [m.text for m in received] == ["Привіт", "Дякую"]
    await service.stop()


async def test_a_resend_reaching_another_replica_is_a_duplicate(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    received: List[UserMessage] = []
    a, b = replica(received), replica(received)
    assert a.state.shared
    token = time.time_ns()
    assert (await a.process(event(token)))[0] == "rasa"
    assert (await b.process(event(token)))[0] == "duplicate"
    assert len(received) == 1
    for s in (a, b):
        await s.stop()


async def test_redis_down_processes_rather_than_loses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    received: List[UserMessage] = []
    service = replica(received)
    assert (await service.process(event(7)))[0] == "rasa"
    assert len(received) == 1
    await service.stop()
