"""Where the trained model archives are: one answer for the scripts and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def newest_model(models_dir: Optional[Path] = None) -> Path:
    """The archive `make train` wrote last (by modification time); SystemExit with what to do when there is none."""
    folder = models_dir or MODELS_DIR
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(f"No model in {folder}: run `make train` first.")
    return models[-1]
