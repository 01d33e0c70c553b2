#!/usr/bin/env python
"""Whole turns over REST: the assistant vs a stock `rasa init` bot, same machine, same run.

    .venv/bin/python scripts/bench_rest.py [--users 1,10,50] [--duration 30] [--replicas]

Starts the stock bot (Rasa's own initial project: its config, data and in-memory tracker store,
trained once into var/bench/stock-full/) and the assistant as `make run` starts it (action server,
SQLite tracker store), one after the other on 127.0.0.1, and drives each with N concurrent users
for --duration seconds per level. Every user walks a scripted conversation (the assistant: greeting,
fee question, a full consultation form with buttons and free text, contacts; the stock bot: its
mood dialogue), then starts over as a new user. Prints and writes results/bench_rest.json and .md:
messages/s, median and p95 latency, errors, the RSS of every process, and the stock/assistant
ratios. Target (issue 13) at 10 users: rate >= 0.75x stock, p95 <= 1.5x stock, 0 errors.

--replicas adds the two-replica figure: two assistant replicas on endpoints.production.yml
(PostgreSQL from TEST_POSTGRES_URL, a private redis-server) behind deploy/haproxy.cfg.
The machine may be shared: compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dmsbot.models import newest_model  # noqa: E402
from tests.telegram.servers import (  # noqa: E402
    RASA,
    Managed,
    base_env,
    http,
    start_action_server,
    wait_for_rasa,
    wait_until,
)

STOCK_DIR = ROOT / "var" / "bench" / "stock-full"
STOCK_PORT, OUR_PORT, OUR_PORT_2 = 45105, 45106, 45107
ACTIONS_PORT, ACTIONS_PORT_2 = 45155, 45156
PROXY_PUBLIC, PROXY_INTERNAL, PROXY_ACTIONS = 45180, 45181, 45182
REDIS_PORT = 45380

OUR_SCRIPT = [
    "Привіт",
    "скільки коштує ID-картка терміново",
    "/start_consultation",
    '/inform{"doc_type":"id_card"}',
    "вкрали",
    '/inform{"location":"ukraine"}',
    '/inform{"passport_issued_in":"ukraine"}',
    "дайте номер гарячої лінії",
]
STOCK_SCRIPT = ["hello", "I am sad", "yes", "great", "bye"]
# The channels of credentials.yml that make run uses (Telegram stays off without a token).
OUR_CHANNELS = "rest:\nconnectors.telegram.TelegramInput:\n"


def stock_model() -> Path:
    """Rasa's initial project (NLU + dialogue), trained once and cached in var/bench/stock-full/."""
    model = STOCK_DIR / "models" / "stock.tar.gz"
    if model.exists():
        return model
    import rasa.cli

    if STOCK_DIR.exists():
        shutil.rmtree(STOCK_DIR)
    shutil.copytree(Path(rasa.cli.__file__).parent / "initial_project", STOCK_DIR)
    print("bench_rest: training the stock `rasa init` bot once (var/bench/stock-full) ...", flush=True)
    subprocess.run(
        [str(RASA), "train", "--fixed-model-name", "stock"],
        cwd=STOCK_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
        env=base_env(),
    )
    return model


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def start_rasa_server(
    model: Path,
    port: int,
    tmp: Path,
    name: str,
    endpoints: str,
    env: Optional[Dict[str, str]] = None,
    channels: str = "rest:\n",
) -> Managed:
    creds = tmp / f"credentials-{name}.yml"
    creds.write_text(channels)
    server_env = base_env()
    server_env.update(env or {})
    server = Managed(
        [
            RASA,
            "run",
            "--enable-api",
            "--model",
            str(model),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            "--credentials",
            str(creds),
            "--endpoints",
            endpoints,
        ],
        server_env,
        tmp / f"{name}.log",
    )
    return server


async def drive(url: str, script: List[str], users: int, duration: float) -> Dict[str, Any]:
    """`users` concurrent users, each sending its next message as soon as the last was answered."""
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    stop_at = time.monotonic() + duration
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=users + 5)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def user() -> None:
            while time.monotonic() < stop_at:
                sender = f"bench-{uuid.uuid4().hex[:10]}"
                for text in script:
                    if time.monotonic() >= stop_at:
                        return
                    started = time.perf_counter()
                    try:
                        async with session.post(url, json={"sender": sender, "message": text}) as res:
                            body = await res.json(content_type=None)
                            if res.status != 200:
                                errors.append(f"HTTP {res.status}")
                                continue
                            if not body:
                                errors.append("empty answer")
                                continue
                    except Exception as exc:  # noqa: BLE001 - every failure is an error here
                        errors.append(type(exc).__name__)
                        continue
                    latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(user() for _ in range(users)))
        wall = time.monotonic() - started
    return summarise(latencies, errors, wall, users)


def summarise(latencies: List[float], errors: List[str], wall: float, users: int) -> Dict[str, Any]:
    def q(p: int) -> float:
        if len(latencies) < 2:
            return round((latencies or [float("nan")])[0] * 1000, 1)
        return round(statistics.quantiles(latencies, n=100)[p - 1] * 1000, 1)

    return {
        "users": users,
        "messages": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "rate_per_s": round(len(latencies) / wall, 2),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": q(95),
    }


def measure(
    name: str, url: str, script: List[str], levels: List[int], duration: float, pids: Dict[str, int]
) -> Dict[str, Any]:
    asyncio.run(drive(url, script, 2, 5))  # warm-up: first calls load lazily
    out: Dict[str, Any] = {"levels": []}
    for users in levels:
        result = asyncio.run(drive(url, script, users, duration))
        out["levels"].append(result)
        print(
            f"  {name:<10} {users:>3} users: {result['rate_per_s']:>6} msg/s  median "
            f"{result['median_ms']} ms  p95 {result['p95_ms']} ms  errors {result['errors']}",
            flush=True,
        )
    out["rss_mb"] = {proc: rss_mb(pid) for proc, pid in pids.items()}
    return out


def level(result: Dict[str, Any], users: int) -> Optional[Dict[str, Any]]:
    return next((x for x in result["levels"] if x["users"] == users), None)


def start_redis(tmp: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("--replicas needs redis-server (Debian package redis-server)")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=open(tmp / "redis.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    import redis

    wait_until(lambda: redis.Redis(port=REDIS_PORT).ping(), 20, "redis-server", proc)
    return proc


def start_proxy(tmp: Path, rasa_ports: List[int], action_ports: List[int]) -> Managed:
    binary = shutil.which("haproxy")
    if not binary:
        raise SystemExit("--replicas needs haproxy (Debian package haproxy)")
    env = dict(os.environ)
    env.update(
        PROXY_PUBLIC_BIND=f"127.0.0.1:{PROXY_PUBLIC}",
        PROXY_INTERNAL_BIND=f"127.0.0.1:{PROXY_INTERNAL}",
        PROXY_ACTIONS_BIND=f"127.0.0.1:{PROXY_ACTIONS}",
        RASA_1_ADDR=f"127.0.0.1:{rasa_ports[0]}",
        RASA_2_ADDR=f"127.0.0.1:{rasa_ports[-1]}",
        ACTIONS_1_ADDR=f"127.0.0.1:{action_ports[0]}",
        ACTIONS_2_ADDR=f"127.0.0.1:{action_ports[-1]}",
        WEBCHAT_ADDR="127.0.0.1:9",
    )
    proxy = Managed([binary, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env, tmp / "haproxy.log")
    wait_until(
        lambda: http("GET", f"http://127.0.0.1:{PROXY_PUBLIC}/healthz", timeout=2)[0] == 200, 30, "haproxy", proxy.proc
    )
    return proxy


def production_env(pg_url: str) -> Dict[str, str]:
    from urllib.parse import urlsplit

    pg = urlsplit(pg_url)
    return {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{PROXY_ACTIONS}/webhook",
        "DB_HOST": pg.hostname or "127.0.0.1",
        "DB_PORT": str(pg.port or 5432),
        "DB_NAME": pg.path.lstrip("/"),
        "DB_USER": pg.username or "postgres",
        "DB_PASSWORD": pg.password or "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(REDIS_PORT),
        "REDIS_PASSWORD": "",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/2",
    }


def run_replicas(model: Path, tmp: Path, levels: List[int], duration: float) -> Dict[str, Any]:
    """Two replicas (each with its action server) behind HAProxy, PostgreSQL + Redis."""
    from tests.tracking.helpers import create_pg_database, drop_pg_database, postgres_admin_url

    admin = postgres_admin_url()
    if not admin:
        raise SystemExit("--replicas needs TEST_POSTGRES_URL (a PostgreSQL to create a database in)")
    pg_url, db_name = create_pg_database(admin)
    redis_proc = start_redis(tmp)
    procs: List[Managed] = []
    result: Dict[str, Any] = {}
    try:
        env = production_env(pg_url)
        procs.append(start_action_server(tmp, ACTIONS_PORT, "actions-r1"))
        procs.append(start_action_server(tmp, ACTIONS_PORT_2, "actions-r2"))
        procs.append(start_proxy(tmp, [OUR_PORT, OUR_PORT_2], [ACTIONS_PORT, ACTIONS_PORT_2]))
        endpoints = str(ROOT / "endpoints.production.yml")
        for name, port in (("replica1", OUR_PORT), ("replica2", OUR_PORT_2)):
            procs.append(start_rasa_server(model, port, tmp, name, endpoints, env, OUR_CHANNELS))
            wait_for_rasa(procs[-1], port, 1200)  # one at a time: the first creates the tables
        url = f"http://127.0.0.1:{PROXY_INTERNAL}/webhooks/rest/webhook"
        pids = {"rasa replica 1": procs[3].proc.pid, "rasa replica 2": procs[4].proc.pid}
        result = measure("2 replicas", url, OUR_SCRIPT, levels, duration, pids)
        # the same stack through the proxy with one replica stopped: the one-replica figure on PostgreSQL
        procs[4].stop()
        time.sleep(5)  # the proxy's health check marks it down
        result["one_replica_same_stack"] = measure(
            "1 of 2", url, OUR_SCRIPT, levels, duration, {"rasa replica 1": procs[3].proc.pid}
        )
    finally:
        for proc in reversed(procs):
            proc.stop()
        redis_proc.terminate()
        redis_proc.wait(10)
        drop_pg_database(admin, db_name)
    return result


def markdown(report: Dict[str, Any]) -> str:
    lines = ["| bot | users | msg/s | median ms | p95 ms | errors |", "|---|---|---|---|---|---|"]
    for name in ("stock", "assistant", "unpatched", "replicas"):
        for row in (report.get(name) or {}).get("levels", []):
            lines.append(
                f"| {name} | {row['users']} | {row['rate_per_s']} | {row['median_ms']} | "
                f"{row['p95_ms']} | {row['errors']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--users", default="1,10,50")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--replicas", action="store_true", help="also two replicas behind HAProxy")
    parser.add_argument("--replica-users", default="10,50")
    parser.add_argument(
        "--replicas-only",
        action="store_true",
        help="only the two-replica figure (its own one-replica baseline, same stack)",
    )
    parser.add_argument(
        "--unpatched", action="store_true", help="also the assistant without connectors/rasa_speedups.py (before/after)"
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.users.split(",")]
    model = Path(args.model) if args.model else newest_model()
    stock = stock_model()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rest-"))
    report: Dict[str, Any] = {
        "model": model.name,
        "duration_s": args.duration,
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at start",
    }

    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    if args.replicas_only:
        print("== two assistant replicas behind HAProxy (PostgreSQL, Redis)", flush=True)
        report["replicas"] = run_replicas(model, tmp, [int(x) for x in args.replica_users.split(",")], args.duration)
        (out / "bench_rest_replicas.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(json.dumps(report["replicas"], indent=1, ensure_ascii=False))
        return 0

    print("== stock `rasa init` bot (in-memory tracker store, no action server)", flush=True)
    empty = tmp / "endpoints-stock.yml"
    empty.write_text("# stock bot: in-memory tracker store\n")
    server = start_rasa_server(stock, STOCK_PORT, tmp, "stock", str(empty))
    try:
        wait_for_rasa(server, STOCK_PORT, 1200)
        report["stock"] = measure(
            "stock",
            f"http://127.0.0.1:{STOCK_PORT}/webhooks/rest/webhook",
            STOCK_SCRIPT,
            levels,
            args.duration,
            {"rasa": server.proc.pid},
        )
    finally:
        server.stop()

    print("== the assistant as `make run` starts it (action server, SQLite tracker store)", flush=True)
    endpoints = tmp / "endpoints-ours.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{ACTIONS_PORT}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n'
    )
    actions = start_action_server(tmp, ACTIONS_PORT)
    variants = [("assistant", {})]
    if args.unpatched:
        variants.append(("unpatched", {"DMSBOT_RASA_SPEEDUPS": "0"}))
    try:
        for name, extra in variants:
            server = start_rasa_server(
                model, OUR_PORT, tmp, name, str(endpoints), {"DMSBOT_TODAY": "2026-11-25", **extra}, OUR_CHANNELS
            )
            try:
                wait_for_rasa(server, OUR_PORT, 1200)
                report[name] = measure(
                    name,
                    f"http://127.0.0.1:{OUR_PORT}/webhooks/rest/webhook",
                    OUR_SCRIPT,
                    levels,
                    args.duration,
                    {"rasa": server.proc.pid, "action server": actions.proc.pid},
                )
            finally:
                server.stop()
    finally:
        actions.stop()

    (out / "bench_rest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.replicas:
        print("== two assistant replicas behind HAProxy (PostgreSQL, Redis)", flush=True)
        report["replicas"] = run_replicas(model, tmp, [int(x) for x in args.replica_users.split(",")], args.duration)

    ours, base = level(report["assistant"], 10), level(report["stock"], 10)
    verdict: Dict[str, Any] = {}
    if ours and base:
        verdict = {
            "rate_ratio": round(ours["rate_per_s"] / base["rate_per_s"], 2),
            "p95_ratio": round(ours["p95_ms"] / base["p95_ms"], 2),
            "errors": ours["errors"],
        }
        verdict["pass"] = verdict["rate_ratio"] >= 0.75 and verdict["p95_ratio"] <= 1.5 and verdict["errors"] == 0
        report["target_10_users"] = verdict
    (out / "bench_rest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / "bench_rest.md").write_text(markdown(report))
    print(markdown(report))
    print(
        "RSS MB:",
        json.dumps(
            {k: v.get("rss_mb") for k, v in report.items() if isinstance(v, dict) and "rss_mb" in v}, ensure_ascii=False
        ),
    )
    if verdict:
        print(
            f"10 users: rate {verdict['rate_ratio']}x stock (>= 0.75), p95 {verdict['p95_ratio']}x "
            f"stock (<= 1.5), errors {verdict['errors']} -> {'PASS' if verdict['pass'] else 'FAIL'}"
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
