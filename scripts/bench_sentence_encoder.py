#!/usr/bin/env python
"""The FAQ retriever's sentence encoder alone, per message: the ensemble encoded member by member (each tokenizes
the message) against the shared-tokenizer path `load_encoder` uses, on the same model in the same run.

    .venv/bin/python scripts/bench_sentence_encoder.py [--model models/x.tar.gz] [--messages 300] [--rounds 3]

Prints median / p95 per way and round and checks that both give the same vectors. The machine is shared: compare
only figures of one run. What the whole retriever adds to POST /model/parse: scripts/bench_faq_retrieval.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import List

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmsbot.models import newest_model  # noqa: E402
from nlu.sentence_model import (  # noqa: E402
    ENSEMBLE_FILE,
    EnsembleSentenceEncoder,
    SentenceEncoder,
    StaticSentenceEncoder,
    load_encoder,
)


def timings(encoder: SentenceEncoder, texts: List[str]) -> List[float]:
    out = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode([text])
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = args.model or newest_model()
    questions = yaml.safe_load((ROOT / "eval" / "faq_questions.yml").read_text(encoding="utf-8"))["questions"]
    texts = [q["text"] for q in questions]
    texts = (texts * (args.messages // len(texts) + 1))[: args.messages]
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(model) as archive:
            archive.extractall(tmp)
        folders = [p.parent for p in Path(tmp).glob("components/*FaqRetriever*/*/" + ENSEMBLE_FILE)]
        if not folders:
            raise SystemExit(f"{model.name}: the FAQ retriever's sentence model is no ensemble (members: 1).")
        folder = folders[0]
        names = json.loads((folder / ENSEMBLE_FILE).read_text(encoding="utf-8"))["members"]
        ways = {
            "member by member": EnsembleSentenceEncoder([StaticSentenceEncoder(folder / n) for n in names]),
            "shared tokenizer": load_encoder(folder),
        }
        first, second = (w.encode(texts[:50]) for w in ways.values())
        assert np.allclose(first, second, atol=1e-6), "the two ways give different vectors"
        print(f"{model.name}: {len(names)} members, {len(texts)} messages, {type(ways['shared tokenizer']).__name__}")
        for round_ in range(1, args.rounds + 1):
            for name, encoder in ways.items():
                ms = timings(encoder, texts)
                p95 = ms[int(0.95 * (len(ms) - 1))]
                print(f"round {round_} {name:17s} median {statistics.median(ms):.3f} ms  p95 {p95:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
