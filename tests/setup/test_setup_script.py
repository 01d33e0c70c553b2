"""setup.sh finds a Python 3.10 itself, and says clearly what to do when there is none."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_setup_without_python310_fails_with_clear_message(tmp_path):
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", project / "scripts" / "setup.sh")
    (project / "requirements.txt").write_text("")
    (project / "pyproject.toml").write_text("")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    # A `python3.10` that is really another version must not be accepted.
    (fake_bin / "python3.10").write_text('#!/bin/sh\nexec /usr/bin/env python3 "$@"\n')
    (fake_bin / "python3.10").chmod(0o755)
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=project, env=env, capture_output=True, text=True)
    if "creating .venv" in result.stdout:
        pytest.skip(
            "this machine has a system-wide Python 3.10 in a standard place, so setup cannot be made to miss it"
        )
    assert result.returncode == 1
    assert "Python 3.10 is required" in result.stderr
    assert "PYTHON=/path/to/python3.10" in result.stderr
    assert not (project / ".venv").exists()


def test_setup_is_a_no_op_when_installed():
    result = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0
    assert "installing" not in result.stdout
