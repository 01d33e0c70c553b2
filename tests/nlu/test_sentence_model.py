"""The project's own sentence-transformers model: trained in a child process, read with numpy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.sentence_model import StaticSentenceEncoder, check_pretrained_folder, load_encoder

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


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("st")
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
        ],
        cwd=ROOT,
        check=True,
    )
    return folder / "model"


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
