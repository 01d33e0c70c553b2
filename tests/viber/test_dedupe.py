"""A resent callback is answered once: in memory, and in Redis shared by replicas (real redis-server)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from typing import Iterator

import pytest

from connectors.dedupe import SeenKeys

REDIS_PORT = 44379


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed; the Redis variant is NOT tested")
    tmp = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_memory_answers_each_key_once_and_forgets_after_ttl() -> None:
    seen = SeenKeys("t", ttl=0.2, redis_url="")
    assert seen.backend == "memory"
    assert await seen.first_time("message:1")
    assert not await seen.first_time("message:1")
    assert await seen.first_time("message:2")
    time.sleep(0.25)
    assert await seen.first_time("message:1")


async def test_memory_is_bounded() -> None:
    seen = SeenKeys("t", max_memory=3, redis_url="")
    for i in range(10):
        assert await seen.first_time(str(i))
    assert len(seen._memory) <= 4


async def test_redis_is_shared_between_replicas(redis_url: str) -> None:
    key = f"message:{time.time_ns()}"
    a, b = SeenKeys("viber", redis_url=redis_url), SeenKeys("viber", redis_url=redis_url)
    assert a.backend == "redis"
    assert await a.first_time(key)
    assert not await b.first_time(key), "another replica sees the same token as a duplicate"
    assert await SeenKeys("telegram", redis_url=redis_url).first_time(key), "namespaces are separate"
    for s in (a, b):
        await s.close()


async def test_redis_down_falls_back_to_memory() -> None:
    seen = SeenKeys("viber", redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    assert await seen.first_time("k")
    assert not await seen.first_time("k")
    await seen.close()
