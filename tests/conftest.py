"""Fixtures shared by every test folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The newest models/*.tar.gz; `make test` trains first, a bare pytest run trains when none exists."""
    model = newest_model()
    if model is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "train.sh")], cwd=ROOT, check=True)
        model = newest_model()
    assert model is not None, "training produced no model"
    return model
