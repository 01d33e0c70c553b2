"""Test helpers: a database per test (SQLite file or a fresh PostgreSQL database) and a stand-in Rasa."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def postgres_admin_url() -> Optional[str]:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        url = os.environ["DATABASE_URL"]
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_pg_database(admin_url: str) -> Tuple[str, str]:
    import psycopg2

    name = "dmsbot_test_" + uuid.uuid4().hex[:10]
    conn = psycopg2.connect(admin_url.replace("postgresql+psycopg2://", "postgresql://"), connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return with_database(admin_url, name), name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url.replace("postgresql+psycopg2://", "postgresql://"), connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


class FakeRasa:
    """Speaks the two Rasa endpoints the notifier uses and records what it was asked to send.

    Like Rasa, it appends the external user event to the conversation before answering, so a
    notifier that dies while waiting for the answer finds the event in the tracker later.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.events: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        self.delivered: List[Tuple[str, str, Dict[str, Any]]] = []  # (chat, output_channel, entities)
        self.fail_next = 0
        self.fail_status = 500
        self.retry_after_next = 0
        self.delay = 0.0
        self.calls = 0
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    async def _trigger(self, request: web.Request) -> web.Response:
        chat = request.match_info["chat"]
        body = await request.json()
        with self._lock:
            self.calls += 1
            if self.retry_after_next > 0:
                self.retry_after_next -= 1
                return web.json_response(
                    {"message": "An unexpected error occurred. Error: Flood control exceeded. Retry in 1 seconds"},
                    status=500,
                )
            if self.fail_next > 0:
                self.fail_next -= 1
                return web.json_response({"message": "boom"}, status=self.fail_status)
            entities = body.get("entities") or {}
            self.events[chat].append(
                {
                    "event": "user",
                    "parse_data": {
                        "intent": {"name": body["name"]},
                        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                    },
                }
            )
            self.delivered.append((chat, request.query.get("output_channel", ""), entities))
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response({"tracker": {}})

    async def _tracker(self, request: web.Request) -> web.Response:
        chat = request.match_info["chat"]
        with self._lock:
            return web.json_response({"sender_id": chat, "events": list(self.events[chat])})

    def start(self) -> "FakeRasa":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/conversations/{chat}/trigger_intent", self._trigger)
            app.router.add_get("/conversations/{chat}/tracker", self._tracker)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Rasa did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def stages_for(self, chat: str) -> List[str]:
        with self._lock:
            return [e["stage"] for c, _, e in self.delivered if c == chat]

    def keys(self) -> List[str]:
        with self._lock:
            return [e["notification_key"] for _, _, e in self.delivered]


class CallbackReceiver:
    """What Rasa's callback channel posts: one JSON body per bot message."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/bot"
        self.messages: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.messages.append(body)
        return web.Response(text="ok")

    def start(self) -> "CallbackReceiver":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/bot", self._post)
            runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("callback receiver did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def texts_for(self, recipient: str) -> List[str]:
        with self._lock:
            return [m.get("text") or "" for m in self.messages if m.get("recipient_id") == recipient]

    def wait_for(self, recipient: str, count: int, timeout: float) -> List[str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            texts = self.texts_for(recipient)
            if len(texts) >= count:
                return texts
            time.sleep(0.1)
        return self.texts_for(recipient)
