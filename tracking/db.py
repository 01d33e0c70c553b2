"""Engine, sessions and migrations of the tracking store."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from dmsbot.settings import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def default_database_url() -> str:
    return f"sqlite:///{REPO_ROOT / 'var' / 'tracking.db'}"


def database_url(url: Optional[str] = None) -> str:
    url = url or settings().database_url or default_database_url()
    if url.startswith("postgres://"):  # Heroku-style scheme SQLAlchemy 1.4 rejects
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # Relative SQLite paths are relative to the repo root, not the CWD.
        rel = url[len("sqlite:///") :]
        if rel and rel != ":memory:":
            url = f"sqlite:///{REPO_ROOT / rel}"
    return url


def make_engine(url: Optional[str] = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, future=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL survives a process crash (our failure model); only power loss may drop the last commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # Let SQLAlchemy issue BEGIN itself so writers take the lock up front.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, future=True)


def upgrade(engine_or_url=None) -> None:  # type: ignore[no-untyped-def]
    """Run `alembic upgrade head` programmatically."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes start at once (action server, notifier): one migrates, others wait.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(724201)")
        # On SQLite the BEGIN IMMEDIATE of make_engine serialises concurrent upgrades.
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)
