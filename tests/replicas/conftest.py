"""Two Rasa replicas as in production: PostgreSQL tracker store, Redis lock store, Redis channel state.

Redis: TEST_REDIS_URL (CI: .ci/run starts Debian's redis-server; its database holds the channel
state, Rasa's lock store uses database 1), else a private redis-server on
127.0.0.1:21379 started here. PostgreSQL: TEST_POSTGRES_URL as in tests/tracking (a fresh database
per session). Missing servers skip with a reason; with REQUIRE_POSTGRES=1 / REQUIRE_REDIS=1 (CI) fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, List
from urllib.parse import urlsplit

import pytest

from tests.harness import redis_server
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.servers import (
    ROOT,
    WEBHOOK_SECRET,
    Managed,
    start_action_server,
    start_rasa,
    wait_for_rasa,
)

REPLICA_PORTS = (21205, 21206)
ACTIONS_PORT = 21055
FAKE_API_PORT = 21081
OWN_REDIS_PORT = 21379
OWN_REDIS_PASSWORD = "replicas-test-pw"


def _require(name: str, reason: str) -> None:
    if os.environ.get(name) == "1":
        pytest.fail(f"{name}=1 but {reason}")
    pytest.skip(f"{reason}; replica tests NOT run")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL (database 2 for the channel state; Rasa's lock store uses database 1)."""
    import redis

    workdir = tmp_path_factory.mktemp("redis")
    for url in redis_server(workdir, OWN_REDIS_PORT, 2, "replica tests", OWN_REDIS_PASSWORD):
        # update_ids restart at 900000 in every test session: forget earlier sessions' Telegram keys
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("tg:*"):
            client.delete(key)
        client.close()
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests.tracking.helpers import create_pg_database, drop_pg_database, postgres_admin_url

    admin = postgres_admin_url()
    if not admin:
        _require("REQUIRE_POSTGRES", "TEST_POSTGRES_URL is not set")
    try:
        url, name = create_pg_database(admin)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _require("REQUIRE_POSTGRES", f"PostgreSQL is not reachable ({exc})")
    yield url
    drop_pg_database(admin, name)


def production_env(postgres: str, redis_url: str) -> Dict[str, str]:
    """The variables endpoints.production.yml and the channels read, as deploy/ sets them."""
    pg, rd = urlsplit(postgres), urlsplit(redis_url)
    return {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ACTIONS_PORT}/webhook",
        "DB_HOST": pg.hostname or "127.0.0.1",
        "DB_PORT": str(pg.port or 5432),
        "DB_NAME": pg.path.lstrip("/"),
        "DB_USER": pg.username or "postgres",
        "DB_PASSWORD": pg.password or "",
        "REDIS_HOST": rd.hostname or "127.0.0.1",
        "REDIS_PORT": str(rd.port or 6379),
        "REDIS_PASSWORD": rd.password or "",
        "REDIS_URL": redis_url,
        "DMSBOT_TODAY": "2026-11-25",
    }


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(FAKE_API_PORT).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def replicas(
    trained_model: Path,
    postgres_url: str,
    redis_url: str,
    fake_api: FakeBotApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[List[str]]:
    """Base URLs of two Rasa replicas (Telegram in webhook mode, REST) and one action server."""
    tmp = tmp_path_factory.mktemp("replicas")
    env = production_env(postgres_url, redis_url)
    env.update(
        TELEGRAM_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        TELEGRAM_WEBHOOK_URL="https://bot.example.test",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    actions = start_action_server(tmp, ACTIONS_PORT)
    servers: List[Managed] = []
    try:
        for i, port in enumerate(REPLICA_PORTS):
            # The first replica creates the tracker tables; the second starts when it is up.
            servers.append(
                start_rasa(
                    str(trained_model),
                    tmp,
                    env,
                    f"replica{i}",
                    port=port,
                    endpoints=str(ROOT / "endpoints.production.yml"),
                    wait=False,
                )
            )
            wait_for_rasa(servers[-1], port)
        yield [f"http://127.0.0.1:{port}" for port in REPLICA_PORTS]
    finally:
        for server in servers:
            server.stop()
        actions.stop()
