"""A copy of the real kb/ with the small fixture FAQ, so the tests do not depend on the content of kb/faq."""

import shutil
from pathlib import Path

import pytest

from kbengine import DEFAULT_KB_DIR

FIXTURE = Path(__file__).resolve().parent / "fixture"


def make_kb(target: Path) -> Path:
    shutil.copytree(DEFAULT_KB_DIR, target, ignore=shutil.ignore_patterns("faq"))
    shutil.copytree(FIXTURE, target / "faq")
    return target


@pytest.fixture
def fixture_kb(tmp_path) -> Path:
    return make_kb(tmp_path / "kb")
