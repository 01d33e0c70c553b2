#!/usr/bin/env python
"""What FAQ retrieval adds to `POST /model/parse`: the same model served twice in the same run, once with the
retriever on and once with DMSBOT_FAQ_RETRIEVAL=off, requests alternating between the two servers.

    .venv/bin/python scripts/bench_faq_retrieval.py [--model models/x.tar.gz] [--messages 300]

Ports 42105 (on) and 42106 (off) on 127.0.0.1. Messages: the FAQ evaluation set and the NLU held-out set.
Prints median / p95 per server and the difference of medians (target: <= 5 ms); writes
results/bench_faq_retrieval.json. The machine is shared: compare only figures of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dmsbot.models import newest_model  # noqa: E402

RASA = ROOT / ".venv" / "bin" / "rasa"
PORTS = {"on": 42105, "off": 42106}


def texts(count: int) -> List[str]:
    import yaml
    from rasa.shared.nlu.training_data.loading import load_data

    out = [
        q["text"]
        for q in yaml.safe_load((ROOT / "eval" / "faq_questions.yml").read_text(encoding="utf-8"))["questions"]
    ]
    out += [m.get("text") for m in load_data(str(ROOT / "tests" / "nlu" / "heldout.yml")).intent_examples]
    return (out * (count // len(out) + 1))[:count]


def start(model: Path, port: int, retrieval: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DMSBOT_FAQ_RETRIEVAL": retrieval, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [str(RASA), "run", "--enable-api", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on {port} exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/status", timeout=2).json().get("model_id"):
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(1)
    raise SystemExit(f"server on {port} not ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    model = args.model or newest_model()
    (ROOT / "var").mkdir(exist_ok=True)
    servers = {name: start(model, port, name, ROOT / "var" / f"bench_faq_{name}.log") for name, port in PORTS.items()}
    try:
        for name, port in PORTS.items():
            wait_ready(port, servers[name])
        session = requests.Session()
        latencies = {name: [] for name in PORTS}
        faq_seen = 0
        for text in texts(20):  # warm-up
            for port in PORTS.values():
                session.post(f"http://127.0.0.1:{port}/model/parse", json={"text": text}, timeout=60)
        for i, text in enumerate(texts(args.messages)):
            order = list(PORTS.items()) if i % 2 == 0 else list(reversed(PORTS.items()))
            for name, port in order:
                started = time.perf_counter()
                response = session.post(f"http://127.0.0.1:{port}/model/parse", json={"text": text}, timeout=60)
                latencies[name].append((time.perf_counter() - started) * 1000)
                if name == "on":
                    faq_seen += "faq" in response.json()
    finally:
        for process in servers.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)
    report = {"model": model.name, "messages": args.messages, "load_average": os.getloadavg()}
    for name, values in latencies.items():
        values.sort()
        report[name] = {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))], 2),
        }
    report["added_median_ms"] = round(report["on"]["median_ms"] - report["off"]["median_ms"], 2)
    report["parses_with_faq"] = faq_seen
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench_faq_retrieval.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"FAQ retrieval adds {report['added_median_ms']} ms to the median of POST /model/parse (target <= 5 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
