"""A small sentence-transformers model trained from the project's own NLU data.

No model hub is reachable, so by default the project trains its own: a subword tokenizer
(HF `tokenizers`, WordPiece) fitted on the training texts, a static embedding table over it
(sentence_transformers.models.WordEmbeddings, trainable) and mean pooling, trained with
MultipleNegativesRankingLoss on paraphrase pairs from the same intent. A deployer may instead
point the configuration at a local folder of a pretrained multilingual model.
"""
from __future__ import annotations

import json
import logging
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from nlu.textnorm import fix_lookalikes, normalize_apostrophes

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOKENIZER_FILE = "subword_tokenizer.json"


def prepare_text(text: str) -> str:
    """Same normalisation for training and inference: apostrophes, look-alikes, lower case."""
    return " ".join(fix_lookalikes(w) for w in normalize_apostrophes(text).lower().split())


try:  # sentence-transformers is optional at import time (the Rasa component checks it).
    from sentence_transformers.models.tokenizer import WordTokenizer as _WordTokenizer
except ImportError:  # pragma: no cover
    _WordTokenizer = object  # type: ignore


class SubwordTokenizer(_WordTokenizer):  # type: ignore[misc]
    """WordPiece ids for sentence_transformers.models.WordEmbeddings (id 0 is padding)."""

    def __init__(self, tokenizer) -> None:
        self._tok = tokenizer

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 6000) -> "SubwordTokenizer":
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=1,
                                            special_tokens=["[PAD]", "[UNK]"])
        tok.train_from_iterator([prepare_text(t) for t in texts], trainer=trainer)
        return cls(tok)

    def set_vocab(self, vocab: Iterable[str]) -> None:  # vocabulary comes from training
        raise NotImplementedError

    def get_vocab(self, vocab: Iterable[str] = ()) -> List[str]:
        vocab_map = self._tok.get_vocab()
        return [w for w, _ in sorted(vocab_map.items(), key=lambda kv: kv[1])]

    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()

    def tokenize(self, text: str, **kwargs) -> List[int]:
        ids = self._tok.encode(prepare_text(text)).ids
        return ids or [1]

    def save(self, output_path: str) -> None:
        self._tok.save(os.path.join(output_path, TOKENIZER_FILE))

    @staticmethod
    def load(input_path: str) -> "SubwordTokenizer":
        from tokenizers import Tokenizer

        return SubwordTokenizer(Tokenizer.from_file(os.path.join(input_path, TOKENIZER_FILE)))


def intent_batches(examples: Dict[str, List[str]], pairs_per_intent: int, seed: int) -> List[Tuple[str, str, str]]:
    """(intent, anchor, positive) pairs ordered so that each run of len(intents) has distinct intents.

    In-batch negatives of MultipleNegativesRankingLoss are then always other intents.
    """
    rng = random.Random(seed)
    per_intent: Dict[str, List[Tuple[str, str, str]]] = {}
    for intent, texts in examples.items():
        if len(texts) < 2:
            continue
        pairs = []
        for _ in range(pairs_per_intent):
            a, b = rng.sample(texts, 2)
            pairs.append((intent, a, b))
        per_intent[intent] = pairs
    ordered: List[Tuple[str, str, str]] = []
    for i in range(pairs_per_intent):
        round_ = [pairs[i] for pairs in per_intent.values()]
        rng.shuffle(round_)
        ordered.extend(round_)
    return ordered


def train_sentence_model(
    examples: Sequence[Tuple[str, str]],
    output_dir: Path,
    dimension: int = 128,
    vocab_size: int = 6000,
    pairs_per_intent: int = 120,
    epochs: int = 2,
    seed: int = 42,
):
    """Trains and saves the project's own model; returns the SentenceTransformer."""
    import numpy as np
    import torch
    from sentence_transformers import InputExample, SentenceTransformer, losses, models
    from torch.utils.data import DataLoader

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    texts = [t for t, _ in examples]
    tokenizer = SubwordTokenizer.train(texts, vocab_size=vocab_size)
    weights = np.random.RandomState(seed).normal(0, 0.1, (tokenizer.vocab_size(), dimension)).astype("float32")
    weights[0] = 0.0  # padding
    embedding = models.WordEmbeddings(tokenizer, weights, update_embeddings=True, max_seq_length=128)
    pooling = models.Pooling(dimension, pooling_mode_mean_tokens=True)
    model = SentenceTransformer(modules=[embedding, pooling], device="cpu")

    by_intent: Dict[str, List[str]] = defaultdict(list)
    for text, intent in examples:
        by_intent[intent].append(text)
    ordered = intent_batches(by_intent, pairs_per_intent, seed)
    data = [InputExample(texts=[a, b]) for _, a, b in ordered]
    batch_size = len([k for k, v in by_intent.items() if len(v) >= 2])
    loader = DataLoader(data, batch_size=batch_size, shuffle=False)
    loss = losses.MultipleNegativesRankingLoss(model)
    model.fit(train_objectives=[(loader, loss)], epochs=epochs, warmup_steps=10,
              optimizer_params={"lr": 0.05}, show_progress_bar=False)
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(output_dir))
    (output_dir / "trained_from.json").write_text(
        json.dumps({"examples": len(examples), "intents": len(by_intent), "dimension": dimension,
                    "vocab_size": tokenizer.vocab_size(), "pairs": len(data), "epochs": epochs}, indent=2),
        encoding="utf-8",
    )
    return model


def check_pretrained_folder(path: Path) -> None:
    """A deployer's local copy of a pretrained model: fail early with a clear message."""
    if not path.is_dir():
        raise FileNotFoundError(f"Sentence model folder '{path}' does not exist.")
    if not ((path / "modules.json").exists() or (path / "config.json").exists()):
        raise FileNotFoundError(
            f"'{path}' is not a sentence-transformers model folder (no modules.json or config.json)."
        )


def load_sentence_model(path: Path):
    """Loads a saved model offline (HF_HUB_OFFLINE=1: nothing is ever downloaded)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)  # one request at a time; more threads only add latency here
    check_pretrained_folder(path)
    return SentenceTransformer(str(path), device="cpu")
