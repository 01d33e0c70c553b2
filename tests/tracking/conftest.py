"""Fixtures of the tracking tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_POSTGRES_URL (or a postgresql DATABASE_URL). Without it the PostgreSQL
variants are skipped with a visible reason; with REQUIRE_POSTGRES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import sys
from typing import Iterator

import pytest

from tests.tracking.helpers import FakeRasa, create_pg_database, drop_pg_database, postgres_admin_url

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _pg_or_fail() -> str:
    admin = postgres_admin_url()
    required = os.environ.get("REQUIRE_POSTGRES") == "1"
    if not admin:
        if required:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run")
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL); PostgreSQL variant NOT tested")
    try:
        import psycopg2

        psycopg2.connect(admin, connect_timeout=5).close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        if required:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL at TEST_POSTGRES_URL is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable ({exc}); PostgreSQL variant NOT tested")
    return admin


def make_db_url(kind: str, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracking.db'}"
        return
    admin = _pg_or_fail()
    url, name = create_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from make_db_url(request.param, tmp_path)


@pytest.fixture
def pg_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from make_db_url("postgresql", tmp_path)


@pytest.fixture
def store(db_url):  # type: ignore[no-untyped-def]
    from tracking.db import make_engine
    from tracking.store import RateLimits, TrackingStore

    st = TrackingStore(make_engine(db_url), limits=RateLimits(lookups_per_hour=10, distinct_per_day=3))
    yield st
    st.engine.dispose()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa(16081).start()
    try:
        yield rasa
    finally:
        rasa.stop()
