#!/usr/bin/env python
"""Load with faults (issue 13, item 4): the production shape under load while its parts are killed.

    .venv/bin/python scripts/bench_faults.py [--quick] [--users 20] [--keep] [--kill-rasa-mid-delivery]

Starts everything itself on 127.0.0.1 (ports 46000-46999) and removes it afterwards: a private PostgreSQL
cluster (initdb in a temp dir; databases `rasa` for Rasa's tracker store and `tracking`), a private
redis-server (Rasa's lock store, channel state), two Rasa replicas on endpoints.production.yml behind a
small conversation-hash router, two action servers behind a second router, the status API and two
notifier processes, and a callback receiver that records every notification Rasa's callback channel
delivers (REST users get their notifications there).

N simulated users talk over the REST channel (server-issued sender ids: the first reply names the id):
each subscribes to one document with the tracking flow, then runs the consultation flow (buttons and free
text) again and again. Once the subscriptions are in, every document is pushed through the six stages via
`POST /api/v1/status`. After a calm phase (the baseline of the same run) the script kill -9s one Rasa
replica, one action server and one notifier (restarting each at once), then stops PostgreSQL for a few
seconds and starts it again. With --kill-rasa-mid-delivery the replica is killed at the moment its callback
channel hands a stage notification over (the receiver kills it before answering, so Rasa has sent the
message and not saved the conversation: the duplicate window of issue 13), instead of at a random moment
(falls back to that after 30 s without such a notification). Measured: messages answered, polite error replies, empty replies, HTTP errors,
hangs (no reply within --timeout), latency, and notifications expected / delivered / lost / duplicated,
counted at the receiving end. Prints the figures and writes results/bench_faults.json.

The routers behave like deploy/haproxy.cfg: a connection refused is retried on the other replica; a
replica that dies in the middle of a request answers 502 (the user then sends the message again).
The machine may be shared with other work: compare the fault window with the calm phase of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from dmsbot.models import newest_model  # noqa: E402

try:
    # Server-issued REST senders and their polite error texts (connectors/rest.py), the production
    # environment of the replica tests (tests/replicas/conftest.py).
    from connectors.input_limits import UNAVAILABLE_EN, UNAVAILABLE_UK
    from tests.replicas.conftest import production_env
except ImportError as exc:  # pragma: no cover - a tree without the production shape
    print(f"bench_faults SKIPPED: {exc} (needs connectors/rest.py and tests/replicas/)")
    sys.exit(0)
from tests.telegram.servers import Managed, base_env  # noqa: E402
from tests.tracking.helpers import CallbackReceiver  # noqa: E402
from tests.tracking.stack import stage_markers  # noqa: E402
from tracking.stages import MAIN_STAGES  # noqa: E402

ROUTER_PORT, ACTIONS_ROUTER_PORT = 46000, 46050
RASA_PORTS = (46005, 46006)
ACTION_PORTS = (46055, 46056)
API_PORT, CALLBACK_PORT, PG_PORT, REDIS_PORT = 46080, 46090, 46432, 46379
PY = sys.executable

CONSULTATION = [
    "Привіт",
    "/start_consultation",
    '/inform{"doc_type":"id_card"}',
    "вкрали",
    '/inform{"location":"ukraine"}',
    '/inform{"passport_issued_in":"ukraine"}',
    "скільки коштує ID-картка терміново",
]
POLITE_ERRORS = (
    UNAVAILABLE_UK,
    UNAVAILABLE_EN,
    "сервіс відстеження зараз недоступний",
    "tracking service is not available",
)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- infrastructure


class PgCluster:
    """A private PostgreSQL cluster (run as the postgres user when we are root: initdb refuses root)."""

    def __init__(self, tmp: Path, port: int) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not bins and not shutil.which("pg_ctl"):
            raise SystemExit("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = bins[-1].parent if bins else Path(shutil.which("pg_ctl")).parent  # type: ignore[arg-type]
        self.dir = tmp / "pg"
        self.dir.mkdir()
        self.port = port
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            os.chmod(tmp, 0o755)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self, name: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"), connect_timeout=5)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()


class Router:
    """A small HTTP router like deploy/haproxy.cfg: one conversation goes to one backend (hash of its id,
    round robin without one); a refused connection is tried on the next backend (redispatch); a backend
    that fails mid-request gives 502. Health checks every second take a backend out and back in."""

    def __init__(
        self, name: str, port: int, backends: List[str], health: str, key: Callable[[str, bytes], Optional[str]]
    ) -> None:
        self.name, self.port, self.backends, self.health, self.key = name, port, backends, health, key
        self.down_until: Dict[str, float] = {b: 0.0 for b in backends}
        self.rr = 0
        self.stats = {"requests": 0, "redispatched": 0, "failed_in_flight": 0, "no_backend": 0}
        self.runner: Optional[web.AppRunner] = None
        self.session: Optional[aiohttp.ClientSession] = None
        self.task: Optional[asyncio.Task] = None

    def order(self, key: Optional[str]) -> List[str]:
        n = len(self.backends)
        if key:
            start = zlib.crc32(key.encode()) % n
        else:
            start, self.rr = self.rr % n, self.rr + 1
        ring = self.backends[start:] + self.backends[:start]
        now = time.monotonic()
        return [b for b in ring if self.down_until[b] <= now] + [b for b in ring if self.down_until[b] > now]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.stats["requests"] += 1
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in ("host", "content-length", "connection", "transfer-encoding")
        }
        for backend in self.order(self.key(request.path, body)):
            try:
                assert self.session is not None
                async with self.session.request(
                    request.method, backend + request.path_qs, data=body or None, headers=headers
                ) as resp:
                    data = await resp.read()
                    out = {
                        k: v
                        for k, v in resp.headers.items()
                        if k.lower() in ("content-type", "x-sender-id", "retry-after")
                    }
                    return web.Response(body=data, status=resp.status, headers=out)
            except aiohttp.ClientConnectorError:
                self.down_until[backend] = time.monotonic() + 2
                self.stats["redispatched"] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                self.stats["failed_in_flight"] += 1
                return web.json_response({"error": f"{self.name}: backend failed during the request"}, status=502)
        self.stats["no_backend"] += 1
        return web.json_response({"error": f"{self.name}: no backend available"}, status=503)

    async def check(self) -> None:
        assert self.session is not None
        while True:
            for b in self.backends:
                try:
                    async with self.session.get(b + self.health, timeout=aiohttp.ClientTimeout(total=2)) as r:
                        ok = r.status == 200
                except Exception:  # noqa: BLE001 - any failure means down
                    ok = False
                if ok:
                    self.down_until[b] = 0.0
                else:
                    self.down_until[b] = time.monotonic() + 2
            await asyncio.sleep(1)

    async def start(self) -> "Router":
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120, connect=3))
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        for attempt in range(10):
            try:
                await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
                break
            except OSError:  # our ports lie in the ephemeral range: an outgoing connection may hold one briefly
                if attempt == 9:
                    raise
                await asyncio.sleep(1)
        self.task = asyncio.ensure_future(self.check())
        return self

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        if self.runner:
            await self.runner.cleanup()
        if self.session:
            await self.session.close()


def conversation_key(path: str, body: bytes) -> Optional[str]:
    """The conversation a Rasa request belongs to: REST `sender`, notifier `sender_id`, /conversations/<id>/."""
    if path.startswith("/conversations/"):
        return path.split("/")[2]
    if body[:1] == b"{":
        try:
            data = json.loads(body)
        except ValueError:
            return None
        value = data.get("sender") or data.get("sender_id")
        return value if isinstance(value, str) else None
    return None


# --------------------------------------------------------------------------- the stack


class KillingReceiver(CallbackReceiver):
    """The callback receiver; when armed, `arm(body)` runs before the answer (it may kill the sending replica)."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.arm: Optional[Callable[[Dict[str, Any]], bool]] = None
        self.fired = threading.Event()

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        check = self.arm
        if check is not None and check(body):
            self.arm = None
            self.fired.set()
        with self._lock:
            self.messages.append(body)
        return web.Response(text="ok")


class Stack:
    def __init__(self, tmp: Path, model: str) -> None:
        self.tmp, self.model = tmp, model
        self.token = secrets.token_urlsafe(16)
        self.status_token = secrets.token_urlsafe(16)
        self.pg = PgCluster(tmp, PG_PORT)
        self.redis: Optional[Managed] = None
        self.rasa: List[Optional[Managed]] = [None, None]
        self.actions: List[Optional[Managed]] = [None, None]
        self.api: Optional[Managed] = None
        self.notifiers: List[Optional[Managed]] = [None, None]
        self.receiver = KillingReceiver(CALLBACK_PORT)
        self.redis_password = secrets.token_urlsafe(12)
        self.restarts = 0

    def env(self) -> Dict[str, str]:
        env = base_env()
        env.update(production_env(self.pg.url("rasa"), f"redis://:{self.redis_password}@127.0.0.1:{REDIS_PORT}/2"))
        env.update(
            ACTION_SERVER_URL=f"http://127.0.0.1:{ACTIONS_ROUTER_PORT}/webhook",
            DATABASE_URL=self.pg.url("tracking"),
            RASA_URL=f"http://127.0.0.1:{ROUTER_PORT}",
            RASA_AUTH_TOKEN=self.token,
            STATUS_API_TOKEN=self.status_token,
            SENDER_ID_SECRET=self.token + "-senders",
            TRACKING_HASH_KEY=self.token + "-hash",
            TRACKING_API_PORT=str(API_PORT),
            NOTIFIER_WORKERS="1",
            # Every simulated user comes from 127.0.0.1: the per-source lookup limits would stop them.
            TRACKING_LOOKUPS_PER_HOUR="10000",
            TRACKING_DISTINCT_PER_DAY="10000",
            # A claim's lease must outlast one delivery attempt; shorter than the defaults to keep the run short.
            NOTIFIER_TIMEOUT_SECONDS="10",
            NOTIFIER_LEASE_SECONDS="20",
            NOTIFIER_BACKOFF_SECONDS="1",
            NOTIFIER_POLL_SECONDS="0.3",
        )
        return env

    def _name(self, base: str) -> Path:
        self.restarts += 1
        return self.tmp / f"{base}-{self.restarts}.log"

    def start_infra(self) -> None:
        self.pg.init()
        self.pg.start()
        for db in ("rasa", "tracking"):
            self.pg.create_db(db)
        redis_dir = self.tmp / "redis"
        redis_dir.mkdir()
        self.redis = Managed(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                self.redis_password,
                "--dir",
                str(redis_dir),
            ],
            base_env(),
            self.tmp / "redis.log",
        )
        from tracking.db import make_engine
        from tracking.store import TrackingStore

        TrackingStore(make_engine(self.pg.url("tracking"))).engine.dispose()  # migrate once, before the workers
        self.receiver.start()

    def create_rasa_tables(self) -> None:
        """Rasa's own SQL tracker store creates its tables, so both replicas can start at once."""
        from rasa.core.tracker_store import SQLTrackerStore

        store = SQLTrackerStore(dialect="postgresql", host="127.0.0.1", port=PG_PORT, db="rasa", username="postgres")
        store.engine.dispose()

    def start_actions(self, i: int) -> Managed:
        self.actions[i] = Managed(
            [
                str(ROOT / ".venv" / "bin" / "rasa"),
                "run",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(ACTION_PORTS[i]),
            ],
            self.env(),
            self._name(f"actions{i}"),
        )
        return self.actions[i]  # type: ignore[return-value]

    def start_rasa(self, i: int) -> Managed:
        creds = self.tmp / "credentials.yml"
        creds.write_text(
            f'connectors.rest.RestInput:\ncallback:\n  url: "{self.receiver.url}"\n'
            "tracking.rasa_channel.NotifierInput:\n",
            encoding="utf-8",
        )
        self.rasa[i] = Managed(
            [
                PY,
                str(ROOT / "scripts" / "rasa_run.py"),
                "--enable-api",
                "-m",
                self.model,
                "-p",
                str(RASA_PORTS[i]),
                "--credentials",
                str(creds),
                "--endpoints",
                str(ROOT / "endpoints.production.yml"),
            ],
            self.env(),
            self._name(f"rasa{i}"),
        )
        return self.rasa[i]  # type: ignore[return-value]

    def start_api(self) -> None:
        self.api = Managed([PY, "-m", "dmsbot.cli", "serve", "--only", "api"], self.env(), self.tmp / "api.log")

    def start_notifier(self, i: int) -> Managed:
        self.notifiers[i] = Managed(
            [PY, "-m", "dmsbot.cli", "serve", "--only", "notifier"], self.env(), self._name(f"notifier{i}")
        )
        return self.notifiers[i]  # type: ignore[return-value]

    def stop(self) -> None:
        for m in [*self.notifiers, self.api, *self.rasa, *self.actions, self.redis]:
            if m is not None:
                m.stop()
        self.receiver.stop()
        try:
            self.pg.stop("immediate")
        except Exception:  # noqa: BLE001 - already down
            pass


async def wait_http(
    url: str, ok: Callable[[int, Any], bool], timeout: float, proc: Optional[Managed] = None, what: str = ""
) -> float:
    start = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s:
        while time.monotonic() - start < timeout:
            if proc is not None and proc.proc.poll() is not None:
                raise RuntimeError(f"{what} exited:\n{proc.output()[-3000:]}")
            try:
                async with s.get(url) as r:
                    body = await r.json(content_type=None) if r.status == 200 else None
                    if ok(r.status, body):
                        return time.monotonic() - start
            except Exception:  # noqa: BLE001 - not up yet
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{what} not ready after {timeout}s")


async def wait_rasa(stack: Stack, i: int) -> float:
    return await wait_http(
        f"http://127.0.0.1:{RASA_PORTS[i]}/status?token={stack.token}",
        lambda s, b: s == 200 and bool(b and b.get("model_file")),
        400,
        stack.rasa[i],
        f"rasa replica {i}",
    )


async def wait_actions(stack: Stack, i: int) -> float:
    return await wait_http(
        f"http://127.0.0.1:{ACTION_PORTS[i]}/health", lambda s, b: s == 200, 120, stack.actions[i], f"action server {i}"
    )


# --------------------------------------------------------------------------- load


@dataclass
class Turn:
    t: float  # when the answer (or the error) came, seconds from the start of the load
    outcome: str  # answered | polite_error | empty | http_<status> | hang | conn_error
    latency: float


@dataclass
class Load:
    url: str
    timeout: float
    t0: float = field(default_factory=time.monotonic)
    turns: List[Turn] = field(default_factory=list)
    stop: bool = False
    subscribed: Dict[int, str] = field(default_factory=dict)  # user index -> sender id

    async def say(
        self, session: aiohttp.ClientSession, sender: Optional[str], text: str
    ) -> Tuple[Optional[str], str, List[Dict[str, Any]]]:
        body: Dict[str, Any] = {"message": text}
        if sender:
            body["sender"] = sender
        start = time.monotonic()
        reply: List[Dict[str, Any]] = []
        try:
            async with session.post(
                f"{self.url}/webhooks/rest/webhook", json=body, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as r:
                if r.status != 200:
                    outcome = f"http_{r.status}"
                    await r.read()
                else:
                    sender = r.headers.get("X-Sender-Id") or sender
                    reply = await r.json()
                    texts = [m.get("text") or "" for m in reply]
                    if not any(t.strip() for t in texts) and not any(m.get("buttons") for m in reply):
                        outcome = "empty"
                    elif any(p in t for t in texts for p in POLITE_ERRORS):
                        outcome = "polite_error"
                    else:
                        outcome = "answered"
        except asyncio.TimeoutError:
            outcome = "hang"
        except aiohttp.ClientError:
            outcome = "conn_error"
        self.turns.append(Turn(time.monotonic() - self.t0, outcome, time.monotonic() - start))
        return sender, outcome, reply

    async def turn(
        self, session: aiohttp.ClientSession, sender: Optional[str], text: str
    ) -> Tuple[Optional[str], str, str]:
        """One message; on an error answer the user sends it once more, as the polite message asks."""
        sender, outcome, reply = await self.say(session, sender, text)
        if outcome != "answered" and not self.stop:
            await asyncio.sleep(1)
            sender, outcome, reply = await self.say(session, sender, text)
        return sender, outcome, " ".join(m.get("text") or "" for m in reply)

    async def user(self, i: int) -> None:
        await asyncio.sleep(i * 0.25)
        number = f"КВ{300000 + i * 17:06d}"
        sender: Optional[str] = None
        async with aiohttp.ClientSession() as session:
            while not self.stop:
                if i not in self.subscribed:
                    for text in (
                        "/track_document",
                        '/inform{"doc_type":"id_card"}',
                        number.lower()[:2] + " " + number[2:],
                        "/affirm",
                    ):
                        sender, outcome, said = await self.turn(session, sender, text)
                        if self.stop:
                            return
                    if sender and ("Готово" in said or "Done" in said):
                        self.subscribed[i] = sender
                for text in CONSULTATION:
                    if self.stop:
                        return
                    sender, _, _ = await self.turn(session, sender, text)
                    await asyncio.sleep(random.uniform(0.2, 0.8))  # a person reads and taps


def summary(turns: List[Turn], start: float, end: float) -> Dict[str, Any]:
    sel = [t for t in turns if start <= t.t < end]
    counts: Dict[str, int] = {}
    for t in sel:
        counts[t.outcome] = counts.get(t.outcome, 0) + 1
    lat = sorted(t.latency for t in sel if t.outcome == "answered")

    def q(p: float) -> Optional[float]:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 3) if lat else None

    wall = max(end - start, 1e-9)
    return {
        "seconds": round(end - start, 1),
        "messages": len(sel),
        "outcomes": counts,
        "answered_per_s": round(counts.get("answered", 0) / wall, 2),
        "answered_share": round(counts.get("answered", 0) / len(sel), 4) if sel else None,
        "latency_median_s": round(statistics.median(lat), 3) if lat else None,
        "latency_p95_s": q(0.95),
        "latency_max_s": round(max(t.latency for t in sel), 3) if sel else None,
    }


# --------------------------------------------------------------------------- status pushes and faults


async def push_stages(
    stack: Stack, load: Load, interval: float, expected: Dict[Tuple[str, str], int], pushes: Dict[str, int]
) -> None:
    base = time.time()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as s:
        users = dict(load.subscribed)
        log(f"pushing {len(MAIN_STAGES)} stages for {len(users)} subscribed users")
        for k, stage in enumerate(MAIN_STAGES):
            changed = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base + k * 3600))
            for i, sender in users.items():
                number = f"КВ{300000 + i * 17:06d}"
                body = {"doc_type": "id_card", "document_number": number, "stage": stage, "changed_at": changed}
                first = True
                while True:  # a registry feed retries until the change is recorded
                    try:
                        async with s.post(
                            f"http://127.0.0.1:{API_PORT}/api/v1/status",
                            json=body,
                            headers={"Authorization": f"Bearer {stack.status_token}"},
                        ) as r:
                            data = await r.json(content_type=None) if r.status == 200 else None
                    except (aiohttp.ClientError, asyncio.TimeoutError):
                        data = None
                    if data is not None:
                        if data.get("accepted") or not first:
                            expected[(sender, stage)] = 1
                        else:
                            pushes["not_accepted"] += 1
                        pushes["ok"] += 1
                        break
                    pushes["retried"] += 1
                    first = False
                    await asyncio.sleep(1)
            await asyncio.sleep(interval)


def kill_on_notification(stack: Stack, victim: Managed) -> Callable[[Dict[str, Any]], bool]:
    """A receiver hook: kill -9 replica 0 as it hands over a stage notification of a conversation the router
    sends to it (hash of the sender, as Router.order)."""
    markers = list(stage_markers().values())

    def check(body: Dict[str, Any]) -> bool:
        sender, text = body.get("recipient_id") or "", body.get("text") or ""
        if zlib.crc32(sender.encode()) % 2 != 0 or not any(m in text for m in markers):
            return False
        os.killpg(victim.proc.pid, signal.SIGKILL)
        return True

    return check


async def fault_kill(
    stack: Stack, what: str, faults: List[Dict[str, Any]], load: Load, mid_delivery: bool = False
) -> None:
    at = time.monotonic() - load.t0
    if what == "rasa":
        victim = stack.rasa[0]
    elif what == "actions":
        victim = stack.actions[0]
    else:
        victim = stack.notifiers[0]
    assert victim is not None
    record: Dict[str, Any] = {"fault": f"kill -9 {what}", "at_s": round(at, 1), "back_after_s": None}
    faults.append(record)
    if mid_delivery:
        receiver: KillingReceiver = stack.receiver  # type: ignore[assignment]
        receiver.fired.clear()
        receiver.arm = kill_on_notification(stack, victim)
        fired = await asyncio.to_thread(receiver.fired.wait, 30)
        receiver.arm = None
        record["fault"] += " mid-delivery" if fired else " (no delivery in 30 s: at once)"
        record["at_s"] = round(time.monotonic() - load.t0, 1)
    log(f"{record['fault']} (pid {victim.proc.pid})")
    try:
        os.killpg(victim.proc.pid, signal.SIGKILL)  # (again, when the receiver killed it: harmless)
    except ProcessLookupError:
        pass
    victim.proc.wait(10)
    victim.stop()
    if what == "rasa":
        stack.start_rasa(0)
        ready = await wait_rasa(stack, 0)
    elif what == "actions":
        stack.start_actions(0)
        ready = await wait_actions(stack, 0)
    else:
        stack.start_notifier(0)
        ready = 0.0
    record["back_after_s"] = round(ready, 1)
    log(f"{what} back after {ready:.1f}s")


async def fault_postgres(stack: Stack, down: float, faults: List[Dict[str, Any]], load: Load) -> None:
    at = time.monotonic() - load.t0
    log(f"PostgreSQL stop (fast), down {down:.0f}s")
    await asyncio.to_thread(stack.pg.stop, "fast")
    await asyncio.sleep(down)
    await asyncio.to_thread(stack.pg.start)
    faults.append(
        {"fault": "PostgreSQL restart", "at_s": round(at, 1), "back_after_s": round(time.monotonic() - load.t0 - at, 1)}
    )
    log("PostgreSQL started again")


def received_by(receiver: CallbackReceiver, markers: Dict[str, str]) -> Dict[Tuple[str, str], int]:
    got: Dict[Tuple[str, str], int] = {}
    with receiver._lock:
        messages = list(receiver.messages)
    for m in messages:
        text = m.get("text") or ""
        stages = [s for s, mark in markers.items() if mark in text]
        if len(stages) == 1:
            key = (m.get("recipient_id") or "", stages[0])
            got[key] = got.get(key, 0) + 1
    return got


# --------------------------------------------------------------------------- main


async def run(args: argparse.Namespace, stack: Stack) -> Dict[str, Any]:
    started = time.monotonic()
    log(f"starting PostgreSQL :{PG_PORT}, Redis :{REDIS_PORT}, tracking API and 2 notifiers")
    await asyncio.to_thread(stack.start_infra)
    routers = [
        Router(
            "rasa-router",
            ROUTER_PORT,
            [f"http://127.0.0.1:{p}" for p in RASA_PORTS],
            f"/status?token={stack.token}",
            conversation_key,
        ),
        Router(
            "actions-router",
            ACTIONS_ROUTER_PORT,
            [f"http://127.0.0.1:{p}" for p in ACTION_PORTS],
            "/health",
            lambda _p, _b: None,
        ),
    ]
    try:
        for router in routers:
            await router.start()
        stack.start_api()
        for i in (0, 1):
            stack.start_notifier(i)
            stack.start_actions(i)
        await asyncio.to_thread(stack.create_rasa_tables)
        stack.start_rasa(0)
        stack.start_rasa(1)
        await asyncio.gather(
            wait_actions(stack, 0),
            wait_actions(stack, 1),
            wait_http(f"http://127.0.0.1:{API_PORT}/health", lambda s, b: s == 200, 60, stack.api, "status API"),
            wait_rasa(stack, 0),
            wait_rasa(stack, 1),
        )
        setup_s = time.monotonic() - started
        log(f"stack up in {setup_s:.0f}s; {args.users} users for {args.calm:.0f}s calm, then faults")

        load = Load(f"http://127.0.0.1:{ROUTER_PORT}", args.timeout)
        users = [asyncio.ensure_future(load.user(i)) for i in range(args.users)]
        expected: Dict[Tuple[str, str], int] = {}
        pushes = {"ok": 0, "retried": 0, "not_accepted": 0}
        faults: List[Dict[str, Any]] = []

        # Subscriptions first (at most --subscribe seconds), then the stages run through calm and faults alike.
        deadline = time.monotonic() + args.subscribe
        while len(load.subscribed) < args.users and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        pusher = asyncio.ensure_future(push_stages(stack, load, args.stage_interval, expected, pushes))
        await asyncio.sleep(max(0.0, args.calm - (time.monotonic() - load.t0)))
        fault_start = time.monotonic() - load.t0
        gap = args.fault_gap
        fault_tasks = [asyncio.ensure_future(fault_kill(stack, "rasa", faults, load, args.kill_rasa_mid_delivery))]
        await asyncio.sleep(gap)
        fault_tasks.append(asyncio.ensure_future(fault_kill(stack, "actions", faults, load)))
        await asyncio.sleep(gap)
        fault_tasks.append(asyncio.ensure_future(fault_kill(stack, "notifier", faults, load)))
        await asyncio.sleep(gap)
        fault_tasks.append(asyncio.ensure_future(fault_postgres(stack, args.pg_down, faults, load)))
        await asyncio.sleep(args.after)
        # A restarted replica may still be loading its model on a busy machine: wait for it a bounded time.
        await asyncio.wait([*fault_tasks, pusher], timeout=args.recovery)
        load.stop = True
        log("load stopped; waiting for the users' last messages")
        await asyncio.wait(users, timeout=args.timeout + 5)
        load_end = time.monotonic() - load.t0

        # Drain: every expected notification arrives, or the outbox is settled for 3 s, or the time is up.
        markers = stage_markers()
        from tracking.db import make_engine
        from tracking.store import TrackingStore

        store = TrackingStore(make_engine(stack.pg.url("tracking")), migrate=False)
        settled_since, deadline = None, time.monotonic() + args.drain
        counts: Dict[str, int] = {}
        while time.monotonic() < deadline:
            got = received_by(stack.receiver, markers)
            counts = await asyncio.to_thread(store.outbox_counts)
            if all(k in got for k in expected):
                break
            busy = counts.get("pending", 0) + counts.get("sending", 0)
            settled_since = (settled_since or time.monotonic()) if not busy else None
            if settled_since and time.monotonic() - settled_since > 3:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a late duplicate would show up now
        got = received_by(stack.receiver, markers)
        counts = await asyncio.to_thread(store.outbox_counts)
        store.engine.dispose()
        for t in [*users, *fault_tasks, pusher]:
            t.cancel()

        lost = sorted(k for k in expected if k not in got)
        dup = {f"{k[0][:14]}…:{k[1]}": n for k, n in got.items() if n > 1}
        result = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "mode": ("quick" if args.quick else "full")
            + (", rasa killed mid-delivery" if args.kill_rasa_mid_delivery else ""),
            "machine": f"{os.cpu_count()} cores, shared with other work",
            "users": args.users,
            "setup_s": round(setup_s, 1),
            "faults": sorted(faults, key=lambda f: f["at_s"]),
            "calm": summary(load.turns, 0, fault_start),
            "with_faults": summary(load.turns, fault_start, load_end),
            "total": summary(load.turns, 0, load_end),
            "notifications": {
                "expected": len(expected),
                "delivered": sum(1 for k in expected if k in got),
                "lost": len(lost),
                "duplicated": sum(n - 1 for n in got.values() if n > 1),
                "unexpected": sum(1 for k in got if k not in expected),
                "duplicates": dup,
                "lost_keys": [f"{k[0][:14]}…:{k[1]}" for k in lost][:20],
                "outbox": counts,
            },
            "subscribed_users": len(load.subscribed),
            "status_pushes": pushes,
            "routers": {r.name: r.stats for r in routers},
        }
        return result
    finally:
        for r in routers:
            await r.stop()


def print_result(r: Dict[str, Any]) -> None:
    print(f"\n== Load with faults ({r['mode']}, {r['users']} users, {r['machine']})")
    for f in r["faults"]:
        back = "not back by the end" if f["back_after_s"] is None else f"back after {f['back_after_s']:5.1f}s"
        print(f"  {f['fault']:<22} at {f['at_s']:6.1f}s, {back}")
    for name in ("calm", "with_faults", "total"):
        s = r[name]
        print(
            f"  {name:<12} {s['messages']:5d} messages in {s['seconds']:6.1f}s: answered {s['answered_per_s']}/s "
            f"({(s['answered_share'] or 0) * 100:.1f}%), median {s['latency_median_s']}s, p95 {s['latency_p95_s']}s, "
            f"max {s['latency_max_s']}s, outcomes {s['outcomes']}"
        )
    n = r["notifications"]
    print(
        f"  notifications: expected {n['expected']}, delivered {n['delivered']}, lost {n['lost']}, "
        f"duplicated {n['duplicated']}, unexpected {n['unexpected']}; outbox {n['outbox']}"
    )
    print(f"  status pushes {r['status_pushes']}; routers {r['routers']}")


def main() -> None:
    import faulthandler

    faulthandler.enable()  # a crash of this process would otherwise leave no trace in the log
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 users, shorter phases (CI-like)")
    ap.add_argument("--users", type=int)
    ap.add_argument("--timeout", type=float, default=90, help="seconds without a reply that count as a hang")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir with every process's log")
    ap.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a notification is lost or duplicated, or a reply is empty or hangs",
    )
    ap.add_argument("--model", help="model archive (default: the newest in models/)")
    ap.add_argument(
        "--kill-rasa-mid-delivery",
        action="store_true",
        help="kill replica 0 while it hands a stage notification over (sent, not yet saved)",
    )
    args = ap.parse_args()
    if args.quick:
        args.users = args.users or 8
        args.calm, args.subscribe, args.fault_gap, args.after, args.stage_interval = 25, 30, 8, 15, 4
        args.pg_down, args.drain, args.recovery = 3, 60, 60
    else:
        args.users = args.users or 20
        args.calm, args.subscribe, args.fault_gap, args.after, args.stage_interval = 40, 45, 15, 30, 10
        args.pg_down, args.drain, args.recovery = 5, 90, 180
    model = args.model
    if not model:
        model = str(newest_model())
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (Debian package redis-server)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_faults."))
    stack = Stack(tmp, model)
    try:
        result = asyncio.run(run(args, stack))
    finally:
        stack.stop()
        if args.keep:
            log(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_result(result)
    out = ROOT / "results" / "bench_faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"  written to {out.relative_to(ROOT)}")
    n = result["notifications"]
    missed = [
        name
        for name, bad in (
            ("notifications lost", n["lost"]),
            ("notifications duplicated", n["duplicated"]),
            ("empty replies", result["total"]["outcomes"].get("empty", 0)),
            ("hangs", result["total"]["outcomes"].get("hang", 0)),
        )
        if bad
    ]
    if missed:
        print(f"  TARGET MISSED: {', '.join(missed)} (must be 0)")
        if args.strict:
            sys.exit(1)


if __name__ == "__main__":
    main()
