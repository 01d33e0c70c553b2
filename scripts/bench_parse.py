#!/usr/bin/env python
"""Benchmark of `POST /model/parse`: our model vs a stock `rasa init` NLU model, same messages, same run.

    .venv/bin/python scripts/bench_parse.py [--model models/x.tar.gz] [--messages 400]

Starts each Rasa server in turn on 127.0.0.1 (ports 45005 / 45006), warms it up, sends every
message once, sequentially, and records the latency; reads the server's RSS from /proc.
Writes results/bench_parse.json and results/bench_parse.md and prints the figures.
Targets (issue 4): our median <= 1.5x stock median, our p95 <= 25 ms, our RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dmsbot.models import newest_model  # noqa: E402

RASA = ROOT / ".venv" / "bin" / "rasa"
STOCK_DIR = ROOT / "var" / "bench" / "stock"
OUR_PORT, STOCK_PORT = 45005, 45006


def stock_model() -> Path:
    """NLU model of Rasa's own `rasa init` project (its config and data), trained once and cached."""
    cached = sorted((STOCK_DIR / "models").glob("*.tar.gz"))
    if cached:
        return cached[-1]
    import rasa.cli

    template = Path(rasa.cli.__file__).parent / "initial_project"
    if STOCK_DIR.exists():
        shutil.rmtree(STOCK_DIR)
    shutil.copytree(template, STOCK_DIR)
    subprocess.run(
        [
            str(RASA),
            "train",
            "nlu",
            "--config",
            "config.yml",
            "--nlu",
            "data/nlu.yml",
            "--out",
            "models",
            "--fixed-model-name",
            "stock",
        ],
        cwd=STOCK_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return STOCK_DIR / "models" / "stock.tar.gz"


def messages(count: int) -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts = [m.get("text") for m in load_data(str(ROOT / "tests" / "nlu" / "heldout.yml")).intent_examples]
    out: List[str] = []
    while len(out) < count:
        out.extend(texts)
    return out[:count]


def rss_mb(pid: int) -> Dict[str, float]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, val = line.split(":", 1)
            values[key] = int(val.split()[0]) / 1024
    return {"rss_mb": values.get("VmRSS", 0.0), "peak_rss_mb": values.get("VmHWM", 0.0)}


def run_server(model: Path, port: int, texts: List[str], timeout: float = 600) -> Dict[str, float]:
    import requests

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    log = open(ROOT / "results" / f"bench_parse_server_{port}.log", "w")
    proc = subprocess.Popen(
        [str(RASA), "run", "--enable-api", "-m", str(model), "-p", str(port), "-i", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Rasa server on {port} exited; see results/bench_parse_server_{port}.log")
            try:
                if requests.get(f"{url}/status", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"Rasa server on {port} not ready after {timeout}s")
            time.sleep(1)
        session = requests.Session()
        for text in texts[:30]:  # warm-up: lazy initialisation, caches
            session.post(f"{url}/model/parse", json={"text": text}).raise_for_status()
        latencies = []
        for text in texts:
            start = time.perf_counter()
            session.post(f"{url}/model/parse", json={"text": text}).raise_for_status()
            latencies.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        return {
            "messages": len(latencies),
            "median_ms": statistics.median(latencies),
            "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
            "mean_ms": statistics.fmean(latencies),
            "max_ms": latencies[-1],
            **rss_mb(proc.pid),
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="our model (default: newest models/*.tar.gz)")
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args(argv)
    (ROOT / "results").mkdir(exist_ok=True)

    texts = messages(max(300, args.messages))
    ours_model = args.model or newest_model()
    stock = stock_model()
    ours = run_server(ours_model, OUR_PORT, texts)
    base = run_server(stock, STOCK_PORT, texts)
    ratio = ours["median_ms"] / base["median_ms"]
    report = {
        "our_model": str(ours_model),
        "stock_model": str(stock),
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg(),
        "ours": ours,
        "stock": base,
        "median_ratio": ratio,
        "targets": {"median_ratio_max": 1.5, "p95_ms_max": 25, "rss_mb_max": 1536},
        "pass": {"median_ratio": ratio <= 1.5, "p95": ours["p95_ms"] <= 25, "rss": ours["peak_rss_mb"] <= 1536},
    }
    (ROOT / "results" / "bench_parse.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    lines = [
        "# POST /model/parse benchmark\n",
        f"{ours['messages']} messages, sequential, after 30 warm-up requests; {os.cpu_count()} CPUs; "
        f"load average after the run {report['load_average_after'][0]:.1f}.\n",
        "| model | median ms | p95 ms | max ms | RSS MB | peak RSS MB |",
        "|---|---|---|---|---|---|",
        f"| ours | {ours['median_ms']:.1f} | {ours['p95_ms']:.1f} | {ours['max_ms']:.1f} | {ours['rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} |",
        f"| stock rasa init | {base['median_ms']:.1f} | {base['p95_ms']:.1f} | {base['max_ms']:.1f} | {base['rss_mb']:.0f} | {base['peak_rss_mb']:.0f} |",
        f"\nmedian ratio ours/stock: {ratio:.2f} (target <= 1.5); our p95 target <= 25 ms; RSS target <= 1536 MB.",
    ]
    (ROOT / "results" / "bench_parse.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
