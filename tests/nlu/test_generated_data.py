"""data/nlu/generated/ is exactly what scripts/generate_nlu_data.py writes: the two cannot drift apart."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "data" / "nlu" / "generated"


def test_generated_nlu_files_match_the_generator(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_nlu_data.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.yml")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in GENERATED.glob("*.yml")}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `.venv/bin/python scripts/generate_nlu_data.py`: {stale} differ"
