#!/usr/bin/env python
"""Benchmark of the tracking outbox and notifier (not a test).

10,000 subscriptions (one per chat, 10,000 applications) and 10,000 stage changes (2,000 of the
applications move through five stages) are fed while notifier workers deliver to a local stand-in for
Rasa's trigger_intent/tracker API on 127.0.0.1. Prints and writes to results/: delivery rate, p50/p95
lag from status change to send, and the counts lost and duplicated (must be 0 and 0), for SQLite and,
when TEST_POSTGRES_URL (or a postgresql DATABASE_URL) is set, PostgreSQL.

Usage: .venv/bin/python scripts/bench_notifier.py [--subs 10000] [--changes 10000] [--workers 2]
       [--rate 1000] [--db sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.tracking.helpers import FakeRasa, create_pg_database, drop_pg_database, postgres_admin_url  # noqa: E402
from tracking.db import make_engine  # noqa: E402
from tracking.models import Application, Subscription  # noqa: E402
from tracking.notifier import Notifier, NotifierConfig  # noqa: E402
from tracking.ratelimit import TokenBucket  # noqa: E402
from tracking.stages import MAIN_STAGES, mask_number, number_hash  # noqa: E402
from tracking.store import TrackingStore, utcnow  # noqa: E402


def number(i: int) -> str:
    return f"{i:09d}"  # ID-card style numbers


def seed(store: TrackingStore, subs: int) -> None:
    """Bulk-insert applications and one subscription per chat (setup, not measured)."""
    now = utcnow()
    with store.Session.begin() as s:
        s.bulk_insert_mappings(
            Application,
            [
                {
                    "id": i + 1,
                    "doc_type": "id_card",
                    "number_hash": number_hash("id_card", number(i)),
                    "number_masked": mask_number(number(i)),
                    "base_kind": "id_card",
                    "stage": None,
                    "main_rank": 0,
                    "updated_at": now,
                }
                for i in range(subs)
            ],
        )
        s.bulk_insert_mappings(
            Subscription,
            [
                {"chat_id": f"bench-{i}", "channel": "telegram", "application_id": i + 1, "created_at": now}
                for i in range(subs)
            ],
        )
    if store.is_pg:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('applications_id_seq', (SELECT max(id) FROM applications))")


def run_one(kind: str, url: str, args: argparse.Namespace) -> dict:
    store = TrackingStore(make_engine(url))
    seed(store, args.subs)
    fake = FakeRasa(args.port)
    recv_times: dict = {}
    orig = fake._trigger

    async def timed(request):  # type: ignore[no-untyped-def]
        resp = await orig(request)
        body = fake.delivered[-1][2] if fake.delivered else {}
        recv_times.setdefault(body.get("notification_key"), utcnow())
        return resp

    fake._trigger = timed  # type: ignore[assignment]
    fake.start()
    per_app = len(MAIN_STAGES) - 1  # submitted..arrived
    moving = args.changes // per_app
    expected_keys = set()
    feed_done = threading.Event()
    feed_stats = {}

    def feed() -> None:
        t0 = time.perf_counter()
        for stage in MAIN_STAGES[:per_app]:
            for i in range(moving):
                res = store.apply_status("id_card", number(i), stage, source="bench")
                assert res.accepted and res.queued == 1
        feed_stats["seconds"] = time.perf_counter() - t0
        feed_done.set()

    for stage in MAIN_STAGES[:per_app]:
        for i in range(moving):
            expected_keys.add((f"bench-{i}", stage))

    cfg = NotifierConfig(
        rasa_url=fake.url,
        rasa_token=None,
        rate_per_sec=args.rate,
        batch_size=100,
        concurrency=16,
        poll_interval=0.05,
        request_timeout=10,
        lease_seconds=60,
        max_attempts=8,
        base_backoff=0.5,
    )

    async def deliver() -> float:
        bucket = TokenBucket(args.rate)
        workers = [Notifier(store, cfg, bucket) for _ in range(args.workers)]
        tasks = [asyncio.create_task(w.run()) for w in workers]
        t0 = time.perf_counter()
        while True:
            await asyncio.sleep(0.2)
            if feed_done.is_set():
                c = await asyncio.to_thread(store.outbox_counts)
                if not c.get("pending") and not c.get("sending"):
                    break
            if time.perf_counter() - t0 > args.timeout:
                break
        elapsed = time.perf_counter() - t0
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
        return elapsed

    feeder = threading.Thread(target=feed)
    feeder.start()
    elapsed = asyncio.run(deliver())
    feeder.join()

    # Phase 2 (throughput): a backlog of one change for each of the other applications, queued while no
    # notifier runs (e.g. the daily CSV import), then drained.
    backlog_keys = set()
    if args.backlog:
        for i in range(moving, args.subs):
            store.apply_status("id_card", number(i), "submitted", source="bench")
            backlog_keys.add((f"bench-{i}", "submitted"))
        expected_keys |= backlog_keys
        feed_done.set()
        drain_elapsed = asyncio.run(deliver())
    fake.stop()

    got = Counter((chat, e["stage"]) for chat, _, e in fake.delivered)
    lost = len(expected_keys - set(got))
    duplicated = sum(n - 1 for n in got.values() if n > 1)
    unexpected = len(set(got) - expected_keys)
    lags = []
    live_keys = {f"stage:{i + 1}:{st}:bench-{i}" for i in range(moving) for st in MAIN_STAGES[:per_app]}
    from sqlalchemy import select

    from tracking.models import OutboxMessage

    with store.Session.begin() as s:
        for key, event_at in s.execute(select(OutboxMessage.idempotency_key, OutboxMessage.event_at)):
            if key in recv_times and key in live_keys:
                lags.append((recv_times[key] - event_at).total_seconds())
    lags.sort()
    store.engine.dispose()
    delivered = sum(got.values())
    return {
        "database": kind,
        "subscriptions": args.subs,
        "stage_changes": moving * per_app,
        "workers": args.workers,
        "rate_limit_per_s": args.rate,
        "feed_seconds": round(feed_stats.get("seconds", 0), 2),
        "delivered": delivered,
        "live_seconds": round(elapsed, 2),
        "live_rate_per_s": round((delivered - len(backlog_keys)) / elapsed, 1) if elapsed else 0,
        "backlog": len(backlog_keys),
        "drain_rate_per_s": round(len(backlog_keys) / drain_elapsed, 1) if backlog_keys else None,
        "lag_p50_s": round(statistics.median(lags), 3) if lags else None,
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 3) if lags else None,
        "lost": lost,
        "duplicated": duplicated,
        "unexpected": unexpected,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subs", type=int, default=10_000)
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="pacing limit per second (production uses 25 for Telegram; higher here to measure)",
    )
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--port", type=int, default=35085)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--no-backlog", dest="backlog", action="store_false", help="skip the drain-throughput phase")
    args = ap.parse_args()
    results = []
    for kind in args.db.split(","):
        if kind == "sqlite":
            tmp = tempfile.mkdtemp(prefix="bench_notifier_")
            results.append(run_one(kind, f"sqlite:///{tmp}/bench.db", args))
        elif kind == "postgresql":
            admin = postgres_admin_url()
            if not admin:
                print("PostgreSQL: skipped (set TEST_POSTGRES_URL)", flush=True)
                continue
            url, name = create_pg_database(admin)
            try:
                results.append(run_one(kind, url, args))
            finally:
                drop_pg_database(admin, name)
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    out = REPO / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_notifier.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [
        "| db | subs | live changes | live rate/s | lag p50 s | lag p95 s | backlog | drain rate/s "
        "| delivered | lost | duplicated |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['subscriptions']} | {r['stage_changes']} | {r['live_rate_per_s']} | "
            f"{r['lag_p50_s']} | {r['lag_p95_s']} | {r['backlog']} | {r['drain_rate_per_s']} | "
            f"{r['delivered']} | {r['lost']} | {r['duplicated']} |"
        )
    (out / "bench_notifier.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    bad = [r for r in results if r["lost"] or r["duplicated"] or r["unexpected"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
