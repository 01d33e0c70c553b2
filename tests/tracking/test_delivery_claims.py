"""Claims on notification keys (tracking/delivery_claims.py) and the claimed delivery of the notifier channel
(tracking/rasa_channel.py `claimed_delivery`): in memory and on a real Redis (TEST_REDIS_URL, else a private
redis-server; the Redis variant is skipped only when redis-server is missing)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List

import pytest

from tests.harness import redis_server
from tracking import delivery_claims as dc
from tracking.rasa_channel import NotDelivered, claimed_delivery

LEASE = 0.6
REDIS_PORT = 22379  # a private redis-server when TEST_REDIS_URL is unset


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Database 3 of a private redis-server on 22379 (or TEST_REDIS_URL), without earlier runs' claims."""
    import redis

    for url in redis_server(tmp_path_factory.mktemp("redis"), REDIS_PORT, 3, "Redis claims tests", "claims-test-pw"):
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("notify-claim:*"):
            client.delete(key)
        client.close()
        yield url


@pytest.fixture(params=["memory", "redis"])
def claims(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory: a Redis client belongs to one event loop, so each test's loop makes its own store."""
    if request.param == "memory":
        yield lambda: dc.MemoryClaims(lease=LEASE, ttl=3600)
        return
    import redis

    url = request.getfixturevalue("redis_url")
    yield lambda: dc.RedisClaims(url, lease=LEASE, ttl=3600)
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("notify-claim:*"):
        client.delete(key)
    client.close()


def run(make: Any, go: Any) -> None:
    async def main() -> None:
        store = make()
        try:
            await go(store)
        finally:
            await store.close()

    asyncio.run(main())


def test_claim_states_one_key(claims: Any) -> None:
    async def go(claims: Any) -> None:
        k = dc.claim_key("chat-1", "stage:1:arrived:chat-1")
        assert await claims.claim(k, "a") == dc.CLAIMED
        assert await claims.claim(k, "b") == dc.BUSY  # a is working on it
        assert await claims.mark_sending(k, "b") is False  # only the holder moves it on
        assert await claims.mark_sending(k, "a") is True
        assert await claims.claim(k, "b") == dc.SENDING
        await claims.release(k, "b")  # not b's: stays
        assert await claims.state(k) == dc.SENDING
        await claims.mark_done(k, "a")
        assert await claims.claim(k, "c") == dc.DONE
        await claims.release(k, "a")  # done is never released
        assert await claims.state(k) == dc.DONE
        # Another key, another chat: independent.
        assert await claims.claim(dc.claim_key("chat-2", "stage:1:arrived:chat-1"), "c") == dc.CLAIMED

    run(claims, go)


def test_stale_claim_is_taken_over_and_the_old_holder_cannot_send(claims: Any) -> None:
    async def go(claims: Any) -> None:
        k = dc.claim_key("chat-3", "stage:2:arrived:chat-3")
        assert await claims.claim(k, "dead") == dc.CLAIMED
        await asyncio.sleep(LEASE + 0.3)
        assert await claims.claim(k, "new") == dc.CLAIMED
        assert await claims.mark_sending(k, "dead") is False
        await claims.release(k, "dead")
        assert await claims.state(k) == dc.CLAIMED
        assert await claims.mark_sending(k, "new") is True

    run(claims, go)


def test_release_frees_the_key(claims: Any) -> None:
    async def go(claims: Any) -> None:
        k = dc.claim_key("chat-4", "stage:3:arrived:chat-4")
        assert await claims.claim(k, "a") == dc.CLAIMED
        await claims.release(k, "a")
        assert await claims.state(k) is None
        assert await claims.claim(k, "b") == dc.CLAIMED
        assert await claims.mark_sending(k, "b")
        await claims.release(k, "b")  # the channel refused: nothing went out
        assert await claims.claim(k, "c") == dc.CLAIMED

    run(claims, go)


def test_claims_expire(claims: Any) -> None:
    async def go(claims: Any) -> None:
        claims.ttl = 0.5
        k = dc.claim_key("chat-5", "stage:4:arrived:chat-5")
        assert await claims.claim(k, "a") == dc.CLAIMED
        await claims.mark_done(k, "a")
        if isinstance(claims, dc.RedisClaims):
            assert 0 < await claims.redis.pttl(k) <= 500
        await asyncio.sleep(0.8)
        assert await claims.state(k) is None

    run(claims, go)


def test_claim_keys_do_not_hold_the_chat_id() -> None:
    k = dc.claim_key("123456789", "stage:7:arrived:123456789")
    assert k.startswith("notify-claim:") and "123456789" not in k
    assert k != dc.claim_key("123456780", "stage:7:arrived:123456789")


def test_claims_from_env() -> None:
    assert isinstance(dc.claims_from_env({}), dc.MemoryClaims)
    assert isinstance(dc.claims_from_env({"REDIS_URL": "redis://127.0.0.1:1/0"}), dc.RedisClaims)
    m = dc.claims_from_env({"NOTIFIER_CLAIM_LEASE_SECONDS": "5", "NOTIFIER_CLAIM_TTL_DAYS": "2"})
    assert (m.lease, m.ttl) == (5.0, 2 * 86400)
    with pytest.raises(ValueError):
        dc.claims_from_env({"NOTIFIER_CLAIM_LEASE_SECONDS": "-1"})


# ----------------------------------------------------------------------------- claimed_delivery


class FakeDelivery:
    """Stands for deliver_once: records what it sent; fails where the test says."""

    def __init__(self, fail: str = "") -> None:
        self.fail = fail
        self.sent: List[str] = []
        self.calls = 0

    async def __call__(self, before_send: Any) -> Dict[str, Any]:
        self.calls += 1
        if self.fail == "action":  # the action server is down: nothing sent
            raise NotDelivered("action failed", status=503)
        await before_send()
        if self.fail == "channel":  # the channel refused: nothing sent
            raise NotDelivered("channel error")
        self.sent.append("stage message")
        if self.fail == "after_send":  # e.g. the save fell over after the message went out
            raise RuntimeError("save failed")
        return {"status": "sent"}


def test_delivery_marks_done_and_a_retry_is_a_duplicate(claims: Any) -> None:
    async def go(claims: Any) -> None:
        d = FakeDelivery()
        assert await claimed_delivery(claims, "u1", "stage:1:arrived:u1", d) == {"status": "sent"}
        assert await claims.state(dc.claim_key("u1", "stage:1:arrived:u1")) == dc.DONE
        # The conversation was lost (a replica died before its save reached the store): the claim answers.
        assert await claimed_delivery(claims, "u1", "stage:1:arrived:u1", d) == {"status": "duplicate"}
        assert d.sent == ["stage message"] and d.calls == 1

    run(claims, go)


@pytest.mark.parametrize("fail", ["action", "channel"])
def test_nothing_sent_releases_the_claim(claims: Any, fail: str) -> None:
    async def go(claims: Any) -> None:
        d = FakeDelivery(fail)
        with pytest.raises(NotDelivered) as err:
            await claimed_delivery(claims, "u2", "stage:1:arrived:u2", d)
        assert err.value.status == (503 if fail == "action" else 502)
        assert await claims.state(dc.claim_key("u2", "stage:1:arrived:u2")) is None
        d.fail = ""
        assert await claimed_delivery(claims, "u2", "stage:1:arrived:u2", d) == {"status": "sent"}
        assert d.sent == ["stage message"]

    run(claims, go)


def test_failure_after_sending_is_never_sent_again(claims: Any) -> None:
    async def go(claims: Any) -> None:
        d = FakeDelivery("after_send")
        with pytest.raises(RuntimeError):
            await claimed_delivery(claims, "u3", "stage:1:arrived:u3", d)
        d.fail = ""
        result = await claimed_delivery(claims, "u3", "stage:1:arrived:u3", d)
        assert result["status"] == "uncertain"
        assert d.sent == ["stage message"] and d.calls == 1

    run(claims, go)


def test_a_replica_killed_while_sending_leaves_uncertain(claims: Any) -> None:
    async def go(claims: Any) -> None:
        k = dc.claim_key("u4", "stage:1:arrived:u4")
        assert await claims.claim(k, "killed-replica") == dc.CLAIMED
        assert await claims.mark_sending(k, "killed-replica")
        d = FakeDelivery()
        result = await claimed_delivery(claims, "u4", "stage:1:arrived:u4", d)
        assert result["status"] == "uncertain" and d.calls == 0
        await asyncio.sleep(LEASE + 0.3)  # "sending" has no lease: still not sent
        assert (await claimed_delivery(claims, "u4", "stage:1:arrived:u4", d))["status"] == "uncertain"
        assert d.calls == 0

    run(claims, go)


def test_a_replica_killed_before_sending_is_taken_over_after_the_lease(claims: Any) -> None:
    async def go(claims: Any) -> None:
        k = dc.claim_key("u5", "stage:1:arrived:u5")
        assert await claims.claim(k, "killed-replica") == dc.CLAIMED
        d = FakeDelivery()
        with pytest.raises(NotDelivered) as err:
            await claimed_delivery(claims, "u5", "stage:1:arrived:u5", d)
        assert err.value.status == 409 and d.calls == 0
        assert await claims.state(k) == dc.CLAIMED  # the other holder's claim is left alone
        await asyncio.sleep(LEASE + 0.3)
        assert await claimed_delivery(claims, "u5", "stage:1:arrived:u5", d) == {"status": "sent"}
        assert d.sent == ["stage message"]

    run(claims, go)


def test_a_slow_holder_whose_claim_was_taken_over_does_not_send(claims: Any) -> None:
    async def go(claims: Any) -> None:
        key = "stage:1:arrived:u6"
        slow_sent: List[str] = []

        async def slow(before_send: Any) -> Dict[str, Any]:
            await asyncio.sleep(LEASE + 0.3)  # the action server took longer than the lease
            await before_send()
            slow_sent.append("stage message")
            return {"status": "sent"}

        first = asyncio.ensure_future(claimed_delivery(claims, "u6", key, slow))
        await asyncio.sleep(LEASE + 0.1)
        d = FakeDelivery()
        assert await claimed_delivery(claims, "u6", key, d) == {"status": "sent"}
        with pytest.raises(NotDelivered) as err:
            await first
        assert err.value.status == 409
        assert slow_sent == [] and d.sent == ["stage message"]
        assert await claims.state(dc.claim_key("u6", key)) == dc.DONE

    run(claims, go)


def test_claim_store_down_sends_nothing() -> None:
    async def go(claims: Any) -> None:
        d = FakeDelivery()
        with pytest.raises(NotDelivered) as err:
            await claimed_delivery(claims, "u7", "stage:1:arrived:u7", d)
        assert err.value.status == 503 and d.calls == 0

    # Nothing listens on that port.
    run(lambda: dc.RedisClaims("redis://127.0.0.1:22998/0", lease=LEASE, ttl=60), go)
