"""The channel state two replicas share, in-process against the real Redis (no Rasa needed)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from connectors.channel_state import RedisChannelState
from connectors.telegram_buttons import ButtonRegistry
from connectors.telegram_delivery import RateLimiter
from connectors.telegram_settings import TelegramSettings
from tests.telegram.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def two_states(redis_url: str) -> tuple[RedisChannelState, RedisChannelState]:
    prefix = f"t{uuid.uuid4().hex[:8]}"  # separate keys per test, two clients = two replicas
    return RedisChannelState(prefix, redis_url), RedisChannelState(prefix, redis_url)


async def test_an_update_is_handled_by_one_replica_only(redis_url: str) -> None:
    a, b = two_states(redis_url)
    assert await a.first_time("update:1", ttl=60)
    assert not await b.first_time("update:1", ttl=60)
    assert not await a.first_time("update:1", ttl=60)
    assert await b.first_time("update:2", ttl=60)
    await a.close(), await b.close()


async def test_a_keyboard_registered_on_one_replica_resolves_on_the_other(redis_url: str) -> None:
    a, b = two_states(redis_url)
    on_a, on_b = ButtonRegistry(a), ButtonRegistry(b)
    await on_a.advance("42")
    payload = '/inform{"reason":"втрата паспорта громадянина України для виїзду за кордон"}'
    keyboard = await on_a.inline_keyboard("42", [{"title": "Втратив", "payload": payload}])
    token = keyboard.inline_keyboard[0][0].callback_data
    assert len(token.encode()) <= 64
    ref = await on_b.resolve("42", token)
    assert ref is not None and ref.payload == payload and ref.title == "Втратив"
    assert await on_b.resolve("43", token) is None, "another chat cannot press it"
    await on_b.advance("42")  # the user moved on (on replica B)
    assert await on_a.resolve("42", token) is None, "stale on every replica"
    await a.close(), await b.close()


async def test_pacing_of_one_chat_counts_messages_of_both_replicas(redis_url: str) -> None:
    a, b = two_states(redis_url)
    limiters = [RateLimiter(state=a), RateLimiter(state=b)]
    started = time.monotonic()
    # a burst of 3 per chat, then 1/s: six messages sent by two replicas need about 3 s
    await asyncio.gather(*(limiters[i % 2].acquire("777") for i in range(6)))
    assert time.monotonic() - started >= 2.9
    await a.close(), await b.close()


async def test_only_one_replica_long_polls(redis_url: str) -> None:
    from connectors.telegram import TelegramService

    api = FakeBotApi(21082).start()
    try:
        settings = TelegramSettings.load(
            {"token": api.token, "api_base_url": api.base_url, "poll_timeout": 1}, environ={}
        )
        a, b = two_states(redis_url)
        services = [TelegramService(settings, a), TelegramService(settings, b)]
        for service in services:
            service.attach(lambda message: asyncio.sleep(0))
            await service.start()
        await asyncio.sleep(3)
        polling = [s.lifecycle.polling for s in services]
        assert polling.count(True) == 1, polling
        leader = services[polling.index(True)]
        standby = services[polling.index(False)]
        await leader.stop()
        deadline = time.monotonic() + 15
        while not standby.lifecycle.polling and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert standby.lifecycle.polling, "the standby took over after a clean stop"
        await standby.stop()
    finally:
        api.stop()
