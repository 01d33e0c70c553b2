"""The project's own sentence-transformers model: trained in a child process, read with numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.sentence_model import (
    EnsembleSentenceEncoder,
    SharedTokenizerEnsemble,
    StaticSentenceEncoder,
    check_pretrained_folder,
    load_encoder,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    *[
        [t, "ask_fee"]
        for t in [
            "скільки коштує закордонний",
            "яка ціна айді",
            "скільки платити за паспорт",
            "вартість посвідки",
            "how much is the passport",
            "сколько стоит загранпаспорт",
        ]
    ],
    *[[t, "greet"] for t in ["привіт", "добрий день", "вітаю", "hello", "здравствуйте", "доброго ранку"]],
    *[
        [t, "track_document"]
        for t in [
            "чи готовий мій паспорт",
            "статус документа",
            "де мій закордонний",
            "is my card ready",
            "перевірити готовність",
            "готов ли паспорт",
        ]
    ],
]


def train(folder: Path, *extra: str) -> Path:
    examples = folder / "examples.json"
    examples.write_text(json.dumps(EXAMPLES, ensure_ascii=False), encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nlu.st_training",
            "--examples",
            str(examples),
            "--out",
            str(folder / "model"),
            "--dimension",
            "32",
            "--vocab-size",
            "300",
            "--pairs-per-intent",
            "60",
            "--epochs",
            "2",
            *extra,
        ],
        cwd=ROOT,
        check=True,
    )
    return folder / "model"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return train(tmp_path_factory.mktemp("st"))


def test_an_ensemble_averages_its_members_cosines(tmp_path: Path, model_dir: Path) -> None:
    """`--members 3` trains seeds 42, 43, 44; the ensemble's cosine is the mean of theirs, and its first member is
    the single model of seed 42 (same data, same seed)."""
    folder = train(tmp_path, "--members", "3")
    ensemble = load_encoder(folder)
    # The members' tokenizers are the same file (same texts), so the message is tokenized once for all of them.
    assert isinstance(ensemble, SharedTokenizerEnsemble)
    members = [StaticSentenceEncoder(folder / f"member_{i}") for i in range(3)]
    texts = ["скільки коштує закордонний", "де мій паспорт", "hello"]
    got = ensemble.encode(texts)
    assert np.allclose(got, EnsembleSentenceEncoder(members).encode(texts), atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    mean_cosine = np.mean([(m.encode(texts[:1]) @ m.encode(texts[1:]).T)[0] for m in members], axis=0)
    assert np.allclose(got[:1] @ got[1:].T, mean_cosine, atol=1e-5)
    assert np.allclose(members[0].encode(texts), load_encoder(model_dir).encode(texts), atol=1e-5)
    assert not np.allclose(members[0].encode(texts), members[1].encode(texts), atol=1e-3)


def test_numpy_encoder_matches_sentence_transformers(model_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    texts = ["скільки коштує ID-картка?", "привіт, бот"]
    expected = SentenceTransformer(str(model_dir), device="cpu").encode(texts, normalize_embeddings=True)
    got = load_encoder(model_dir).encode(texts)
    assert isinstance(load_encoder(model_dir), StaticSentenceEncoder)
    assert np.allclose(expected, got, atol=1e-5)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_same_intent_is_closer(model_dir: Path) -> None:
    enc = load_encoder(model_dir)
    fee, fee2, greet = enc.encode(["скільки коштує закордонний паспорт", "яка ціна закордонного", "добрий вечір"])
    assert fee @ fee2 > fee @ greet


def test_bad_pretrained_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_pretrained_folder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="not a sentence-transformers model"):
        check_pretrained_folder(tmp_path)


VOCAB_SCRIPT = """
import json, sys
from nlu.st_training import SubwordTokenizer
texts = json.loads(sys.stdin.read())
print(json.dumps(SubwordTokenizer.train(texts, vocab_size=300)._tok.get_vocab(), sort_keys=True))
"""


def test_vocabulary_is_the_same_in_every_process() -> None:
    """Hash-map order differs per process (PYTHONHASHSEED here; Rust's hasher in HF's trainer, which gave two
    different models from the same data): the vocabulary, and so the whole model, must not depend on it."""
    texts = json.dumps([t for t, _ in EXAMPLES] * 3, ensure_ascii=False)
    vocabularies = [
        subprocess.run(
            [sys.executable, "-c", VOCAB_SCRIPT],
            input=texts,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert vocabularies[0] == vocabularies[1] == vocabularies[2]
    vocab = json.loads(vocabularies[0])
    assert vocab["[PAD]"] == 0 and vocab["[UNK]"] == 1
    assert "скільки" in vocab and any(token.startswith("##") for token in vocab)


def test_wordpiece_vocab_merges_most_frequent_pairs_first() -> None:
    from collections import Counter

    from nlu.st_training import wordpiece_vocab

    vocab = wordpiece_vocab(Counter({"аба": 5, "аб": 3, "ва": 1}), vocab_size=20)
    alphabet = ["##а", "##б", "а", "в"]
    assert vocab[:6] == ["[PAD]", "[UNK]", *alphabet]
    # а+##б (8) first, then аб+##а (5), then в+##а (1).
    assert vocab[6:] == ["аб", "аба", "ва"]
    assert wordpiece_vocab(Counter({"аба": 5, "аб": 3, "ва": 1}), vocab_size=7)[-1] == "аб"
