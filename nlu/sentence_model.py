"""Sentence encoders for the NLU, without torch for the project's own model.

The project's own model (trained by nlu/st_training.py with sentence-transformers) is a static
subword embedding + mean pooling, so the Rasa server computes it with numpy: same numbers, no
torch thread pool beside TensorFlow, ~0.1 ms per message. A deployer's pretrained model folder
(`pretrained_model_path`) is loaded with sentence-transformers, offline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Protocol

import numpy as np

from textnorm import fix_lookalikes, normalize_apostrophes

TOKENIZER_FILE = "subword_tokenizer.json"
EMBEDDING_FILE = "static_embedding.npy"
# A folder of several own models trained with different seeds (`members`): ensemble.json lists their subfolders.
ENSEMBLE_FILE = "ensemble.json"


def prepare_text(text: str) -> str:
    """Same normalisation for training and inference: apostrophes, look-alikes, lower case."""
    return " ".join(fix_lookalikes(w) for w in normalize_apostrophes(text).lower().split())


class SentenceEncoder(Protocol):
    def encode(self, texts: List[str]) -> np.ndarray:
        """Unit-length sentence vectors, one row per text."""


class StaticSentenceEncoder:
    """Mean of subword embeddings (what WordEmbeddings + Pooling(mean) computes), in numpy."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._table = np.load(folder / EMBEDDING_FILE)

    @property
    def dimension(self) -> int:
        return int(self._table.shape[1])

    def encode(self, texts: List[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self._tokenizer.encode(prepare_text(text)).ids or [1]
            vector = self._table[ids].mean(axis=0)
            norm = float(np.linalg.norm(vector))
            out[row] = vector / norm if norm > 0 else vector
        return out


class EnsembleSentenceEncoder:
    """Several own models trained alike but for the seed. Their unit vectors side by side, scaled by 1/sqrt(n), make
    one unit vector whose cosine is the members' mean cosine: one seed's luck no longer moves what is retrieved."""

    def __init__(self, members: List[SentenceEncoder]) -> None:
        self._members = members
        self._scale = 1.0 / np.sqrt(len(members))

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.concatenate([m.encode(texts) for m in self._members], axis=1) * np.float32(self._scale)


class SharedTokenizerEnsemble:
    """An ensemble whose members share one tokenizer file (the vocabulary depends only on the texts, not the seed):
    the message is tokenized once and one gather of the members' tables side by side gives every member's mean at
    once. Same numbers as EnsembleSentenceEncoder over the members, in about a third of the time."""

    def __init__(self, members: List[StaticSentenceEncoder]) -> None:
        self._tokenizer = members[0]._tokenizer
        self._table = np.concatenate([m._table for m in members], axis=1)
        self._members = len(members)
        self._scale = np.float32(1.0 / np.sqrt(len(members)))

    def encode(self, texts: List[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self._tokenizer.encode(prepare_text(text)).ids or [1]
            parts = self._table[ids].mean(axis=0).reshape(self._members, -1)
            norms = np.linalg.norm(parts, axis=1, keepdims=True)
            out[row] = (np.divide(parts, norms, out=parts.copy(), where=norms > 0) * self._scale).ravel()
        return out


class PretrainedSentenceEncoder:
    """A deployer's local sentence-transformers model folder (e.g. a multilingual MiniLM)."""

    def __init__(self, folder: Path) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)  # one request at a time; more threads only add latency here
        self._model = SentenceTransformer(str(folder), device="cpu")

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            ),
            dtype=np.float32,
        )


def check_pretrained_folder(path: Path) -> None:
    """Fail early, with a clear message, on a wrong `pretrained_model_path`."""
    if not path.is_dir():
        raise FileNotFoundError(f"Sentence model folder '{path}' does not exist.")
    if not any((path / name).exists() for name in ("modules.json", "config.json", ENSEMBLE_FILE)):
        raise FileNotFoundError(
            f"'{path}' is not a sentence-transformers model folder (no modules.json or config.json)."
        )


def train_in_subprocess(
    examples: List[List[str]],
    folder: Path,
    out: Path,
    *,
    dimension: int = 128,
    vocab_size: int = 6000,
    pairs_per_intent: int = 80,
    epochs: int = 1,
    seed: int = 42,
    members: int = 1,
) -> None:
    """Trains the project's own model from [text, label] pairs into `out` in a child process.

    torch next to TensorFlow in one process slows DIET training ~10x, so sentence-transformers runs apart.
    """
    import json
    import subprocess
    import sys

    examples_file = folder / "examples.json"
    examples_file.write_text(json.dumps(examples, ensure_ascii=False), encoding="utf-8")
    package_root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nlu.st_training",
            "--examples",
            str(examples_file),
            "--out",
            str(out),
            "--dimension",
            str(dimension),
            "--vocab-size",
            str(vocab_size),
            "--pairs-per-intent",
            str(pairs_per_intent),
            "--epochs",
            str(epochs),
            "--seed",
            str(seed),
            "--members",
            str(members),
        ],
        check=True,
        env=env,
    )
    examples_file.unlink()


def load_encoder(path: Path) -> SentenceEncoder:
    check_pretrained_folder(path)
    if (path / ENSEMBLE_FILE).exists():
        names = json.loads((path / ENSEMBLE_FILE).read_text(encoding="utf-8"))["members"]
        members = [StaticSentenceEncoder(path / name) for name in names]
        tokenizers = {(path / name / TOKENIZER_FILE).read_bytes() for name in names}
        dimensions = {m.dimension for m in members}
        if len(tokenizers) == 1 and len(dimensions) == 1:
            return SharedTokenizerEnsemble(members)
        return EnsembleSentenceEncoder(members)
    if (path / EMBEDDING_FILE).exists():
        return StaticSentenceEncoder(path)
    return PretrainedSentenceEncoder(path)
