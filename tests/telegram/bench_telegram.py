"""Benchmark of the Telegram channel: webhook update -> bot reply at the (fake) Bot API.

Starts the action server, the Rasa server (webhook mode) and the fake Bot API, then posts real
Update JSON from distinct chats (so per-chat pacing does not dominate) and prints the median,
p95, rate and the Rasa server's RSS; writes results/telegram_bench.json.

    .venv/bin/python tests/telegram/bench_telegram.py [--model models/x.tar.gz] [--updates 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from dmsbot.models import newest_model  # noqa: E402
from tests.telegram import updates as tg  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402
from tests.telegram.servers import (  # noqa: E402
    FAKE_API_PORT,
    RASA_PORT,
    WEBHOOK_SECRET,
    http,
    start_action_server,
    start_rasa,
)

WEBHOOK = f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one(fake: FakeBotApi, chat_id: int) -> float:
    started = time.perf_counter()
    status, _ = http(
        "POST", WEBHOOK, tg.text(chat_id, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    )
    assert status == 200
    fake.wait_for("sendMessage", chat_id=chat_id, timeout=60)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    model = args.model or str(newest_model())

    fake = FakeBotApi(FAKE_API_PORT).start()
    tmp = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    actions = start_action_server(tmp)
    rasa = None
    try:
        rasa = start_rasa(
            model,
            tmp,
            {
                "TELEGRAM_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.test",
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            },
            "bench",
        )
        fake.wait_for("setWebhook", timeout=60)
        for i in range(5):  # warm-up
            one(fake, 800_000 + i)
        sequential = [one(fake, 810_000 + i) for i in range(args.updates)]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            concurrent = list(pool.map(lambda i: one(fake, 820_000 + i), range(args.updates)))
        wall = time.perf_counter() - started

        def ms(values, q):
            return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1)

        result = {
            "model": Path(model).name,
            "updates": args.updates,
            "sequential_median_ms": round(statistics.median(sequential) * 1000, 1),
            "sequential_p95_ms": ms(sequential, 95),
            "concurrent": args.concurrency,
            "concurrent_median_ms": round(statistics.median(concurrent) * 1000, 1),
            "concurrent_p95_ms": ms(concurrent, 95),
            "concurrent_rate_per_s": round(args.updates / wall, 1),
            "rasa_rss_mb": round(rss_mb(rasa.proc.pid), 1),
            "get_me_calls": len(fake.find("getMe")),
        }
        out = ROOT / "results" / "telegram_bench.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        for key, value in result.items():
            print(f"{key}: {value}")
    finally:
        if rasa:
            rasa.stop()
        actions.stop()
        fake.stop()


if __name__ == "__main__":
    main()
