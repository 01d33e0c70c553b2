#!/usr/bin/env python
"""Trains the project's own sentence model from data/nlu outside Rasa, for inspection.

    .venv/bin/python scripts/train_sentence_model.py [--out var/sentence_model]

`rasa train` does the same inside nlu.sentence_featurizer.SentenceEmbeddingFeaturizer; this script
also prints how well the model alone (nearest training example) finds the intent of the held-out set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rasa.shared.nlu.training_data.loading import load_data

    from nlu.sentence_model import load_encoder

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "sentence_model")
    args = parser.parse_args()

    train = [[m.get("text"), m.get("intent")] for m in load_data(str(ROOT / "data" / "nlu")).intent_examples]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(train, handle, ensure_ascii=False)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nlu.st_training", "--examples", handle.name, "--out", str(args.out)],
        cwd=ROOT,
        check=True,
    )
    print(f"trained in {time.perf_counter() - started:.1f} s -> {args.out}")

    encoder = load_encoder(args.out)
    heldout = load_data(str(ROOT / "tests" / "nlu" / "heldout.yml")).intent_examples
    train_vectors = encoder.encode([t for t, _ in train])
    labels = np.array([i for _, i in train])
    vectors = encoder.encode([m.get("text") for m in heldout])
    predicted = labels[(vectors @ train_vectors.T).argmax(axis=1)]
    accuracy = float(np.mean([p == m.get("intent") for p, m in zip(predicted, heldout)]))
    print(f"held-out intent accuracy of the sentence model alone (1-NN): {accuracy:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
