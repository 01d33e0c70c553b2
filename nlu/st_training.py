"""Training of the project's own small sentence-transformers model (runs in a subprocess).

    python -m nlu.st_training --examples examples.json --out DIR [--dimension 128 ...]

Rasa's TensorFlow and torch in one process slow DIET training about tenfold (both start their
own thread pools), so `rasa train` runs this module as a child process and the Rasa server reads
the result with numpy only (nlu/sentence_model.py).

No model hub is reachable, so by default the project trains its own: a subword tokenizer
(HF `tokenizers`, WordPiece) fitted on the training texts, a static embedding table over it
(sentence_transformers.models.WordEmbeddings, trainable) and mean pooling, trained with
MultipleNegativesRankingLoss on paraphrase pairs from the same intent. A deployer may instead
point the configuration at a local folder of a pretrained multilingual model.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOKENIZER_FILE = "subword_tokenizer.json"
SPECIAL_TOKENS = ("[PAD]", "[UNK]")  # [PAD] must be id 0: WordEmbeddings pads with it


from sentence_transformers.models.tokenizer import WordTokenizer as _WordTokenizer  # noqa: E402  (after the offline settings above)

from nlu.sentence_model import EMBEDDING_FILE, ENSEMBLE_FILE, prepare_text  # noqa: E402


class SubwordTokenizer(_WordTokenizer):  # type: ignore[misc]
    """WordPiece ids for sentence_transformers.models.WordEmbeddings (id 0 is padding)."""

    def __init__(self, tokenizer) -> None:
        self._tok = tokenizer

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 6000) -> "SubwordTokenizer":
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

        normalizer = normalizers.NFKC()
        pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        words: Counter = Counter()
        for text in texts:
            normalized = normalizer.normalize_str(prepare_text(text))
            words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalized))
        vocab = wordpiece_vocab(words, vocab_size, SPECIAL_TOKENS)
        tok = Tokenizer(models.WordPiece({token: i for i, token in enumerate(vocab)}, unk_token="[UNK]"))
        tok.normalizer = normalizer
        tok.pre_tokenizer = pre_tokenizer
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


def wordpiece_vocab(words: Counter, vocab_size: int, specials: Sequence[str] = SPECIAL_TOKENS) -> List[str]:
    """A WordPiece vocabulary by byte-pair merges, as HF `tokenizers`' WordPieceTrainer builds it, but the same on
    every run: that trainer breaks ties between equally frequent pairs in hash-map order, which differs per process,
    so two trainings on the same data gave different models (FAQ top-1 0.858 here, 0.806 in CI)."""
    ordered = sorted(words)
    pieces = [[w[0]] + ["##" + c for c in w[1:]] for w in ordered]
    freqs = [words[w] for w in ordered]
    vocab = list(specials) + sorted({p for word in pieces for p in word} - set(specials))
    known = set(vocab)
    counts: Counter = Counter()
    where: Dict[Tuple[str, str], set] = defaultdict(set)
    for i, (word, freq) in enumerate(zip(pieces, freqs)):
        for pair in zip(word, word[1:]):
            counts[pair] += freq
            where[pair].add(i)
    # Most frequent pair first, ties by the pair's text; stale heap entries are skipped on pop.
    heap = [(-count, a, b) for (a, b), count in counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        negative, a, b = heapq.heappop(heap)
        if counts.get((a, b), 0) != -negative or negative == 0:
            continue
        merged = a + b[2:]
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
        changed = set()
        for i in sorted(where.pop((a, b), ())):
            word, freq = pieces[i], freqs[i]
            out, j = [], 0
            while j < len(word):
                if j + 1 < len(word) and word[j] == a and word[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(word[j])
                    j += 1
            if len(out) == len(word):
                continue
            for pair in zip(word, word[1:]):
                counts[pair] -= freq
                changed.add(pair)
            for pair in zip(out, out[1:]):
                counts[pair] += freq
                where[pair].add(i)
                changed.add(pair)
            pieces[i] = out
        counts.pop((a, b), None)
        for pair in sorted(changed):
            if counts.get(pair, 0) > 0:
                heapq.heappush(heap, (-counts[pair], pair[0], pair[1]))
    return vocab


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
    # Imported by name so the saved model refers to nlu.st_training, also when run with -m.
    from nlu.st_training import SubwordTokenizer as Tokenizer

    tokenizer = Tokenizer.train(texts, vocab_size=vocab_size)
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
    model.fit(
        train_objectives=[(loader, loss)],
        epochs=epochs,
        warmup_steps=10,
        optimizer_params={"lr": 0.05},
        show_progress_bar=False,
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(output_dir))
    # The table the numpy encoder reads (same tokenizer file, mean pooling).
    np.save(output_dir / EMBEDDING_FILE, embedding.emb_layer.weight.detach().cpu().numpy().astype("float32"))
    tokenizer.save(str(output_dir))
    (output_dir / "trained_from.json").write_text(
        json.dumps(
            {
                "examples": len(examples),
                "intents": len(by_intent),
                "dimension": dimension,
                "vocab_size": tokenizer.vocab_size(),
                "pairs": len(data),
                "epochs": epochs,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return model


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Train the project's sentence model.")
    parser.add_argument("--examples", required=True, help="JSON list of [text, intent]")
    parser.add_argument("--out", required=True)
    parser.add_argument("--dimension", type=int, default=128)
    parser.add_argument("--vocab-size", type=int, default=6000)
    parser.add_argument("--pairs-per-intent", type=int, default=80)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--members", type=int, default=1, help="several models, seeds seed..seed+members-1")
    args = parser.parse_args(argv)
    examples = [tuple(e) for e in json.loads(Path(args.examples).read_text(encoding="utf-8"))]
    out = Path(args.out)
    # One model goes to `out` itself; several go to member_i/ folders, listed in ensemble.json.
    names = [f"member_{i}" for i in range(args.members)] if args.members > 1 else [""]
    for i, name in enumerate(names):
        train_sentence_model(
            examples,
            out / name,  # "" for a single model: out itself
            dimension=args.dimension,
            vocab_size=args.vocab_size,
            pairs_per_intent=args.pairs_per_intent,
            epochs=args.epochs,
            seed=args.seed + i,
        )
    if args.members > 1:
        (out / ENSEMBLE_FILE).write_text(json.dumps({"members": names}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
