"""A real Redis for the claim tests: TEST_REDIS_URL, else a private redis-server on 127.0.0.1:22379."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator, Optional

OWN_PORT = 22379
OWN_PASSWORD = "claims-test-pw"


def redis_server(workdir: Path) -> Iterator[Optional[str]]:
    """Yields a Redis URL (database 3 of TEST_REDIS_URL's server), or None when there is no Redis."""
    import redis

    given = os.environ.get("TEST_REDIS_URL")
    proc = None
    if given:
        url = given
    else:
        binary = shutil.which("redis-server")
        if not binary:
            if os.environ.get("REQUIRE_REDIS") == "1":
                raise RuntimeError("REQUIRE_REDIS=1 but redis-server is not installed")
            yield None
            return
        proc = subprocess.Popen(
            [binary, "--port", str(OWN_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--requirepass", OWN_PASSWORD, "--dir", str(workdir)],
            stdout=open(workdir / "redis.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        url = f"redis://:{OWN_PASSWORD}@127.0.0.1:{OWN_PORT}/3"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                if proc:
                    proc.kill()
                raise
            time.sleep(0.2)
    for key in client.scan_iter("notify-claim:*"):
        client.delete(key)
    client.close()
    try:
        yield url
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
