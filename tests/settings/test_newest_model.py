"""dmsbot.models.newest_model: the archive `make train` wrote last, or a clear word of what to do."""

import os

import pytest

from dmsbot.models import newest_model


def test_the_newest_archive_by_modification_time(tmp_path):
    older, newer = tmp_path / "20261207-010000-b.tar.gz", tmp_path / "20261207-020000-a.tar.gz"
    for path, mtime in ((newer, 2_000_000_000), (older, 1_000_000_000)):
        path.write_bytes(b"")
        os.utime(path, (mtime, mtime))
    (tmp_path / "notes.txt").write_text("not a model")
    assert newest_model(tmp_path) == newer


def test_no_model_says_to_train(tmp_path):
    with pytest.raises(SystemExit, match="run `make train` first"):
        newest_model(tmp_path)
