"""Server-issued sender ids: valid ones verify, forged, altered or hostile ones never do (and never raise)."""

from __future__ import annotations

import os
import stat

import pytest

from connectors import sender_ids


@pytest.fixture(autouse=True)
def fresh_key(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SENDER_ID_SECRET", raising=False)
    monkeypatch.setenv(sender_ids.KEY_FILE_ENV, str(tmp_path / "var" / "sender_id_secret"))
    sender_ids.reset_key_cache()
    yield tmp_path / "var" / "sender_id_secret"
    sender_ids.reset_key_cache()


def test_issued_id_verifies_for_its_channel_only():
    sid = sender_ids.issue_sender_id("rest")
    assert sid.startswith("rest.")
    assert sender_ids.verify_sender_id(sid) == "rest"
    assert sender_ids.verify_sender_id(sid, "rest") == "rest"
    assert sender_ids.verify_sender_id(sid, "web") is None
    assert sender_ids.issue_sender_id("rest") != sid


def test_altered_or_forged_ids_are_refused():
    sid = sender_ids.issue_sender_id("web")
    chan, rand, sig = sid.split(".")
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    assert sender_ids.verify_sender_id(f"{chan}.{rand}.{flipped}") is None
    assert sender_ids.verify_sender_id(f"rest.{rand}.{sig}") is None  # channel swapped
    other_rand = ("B" if rand[0] != "B" else "C") + rand[1:]
    assert sender_ids.verify_sender_id(f"{chan}.{other_rand}.{sig}") is None
    assert sender_ids.verify_sender_id(sid + "\n") is None


@pytest.mark.parametrize(
    "value",
    [None, 5, "", "me", "\udc00", "a.b.c", "rest..", "x" * 10_000, ["rest"], "rest.\udc00\udc00.\udc00", "ю" * 60],
)
def test_hostile_values_never_verify_and_never_raise(value):
    assert sender_ids.verify_sender_id(value) is None  # type: ignore[arg-type]


def test_key_file_is_private_and_survives_restart(fresh_key):
    sid = sender_ids.issue_sender_id("rest")
    assert fresh_key.exists()
    assert stat.S_IMODE(os.stat(fresh_key).st_mode) == 0o600
    sender_ids.reset_key_cache()  # as after a restart
    assert sender_ids.verify_sender_id(sid) == "rest"


def test_env_key_wins_and_other_key_refuses(monkeypatch, fresh_key):
    monkeypatch.setenv("SENDER_ID_SECRET", "one-secret")
    sender_ids.reset_key_cache()
    sid = sender_ids.issue_sender_id("rest")
    assert not fresh_key.exists()
    monkeypatch.setenv("SENDER_ID_SECRET", "another-secret")
    sender_ids.reset_key_cache()
    assert sender_ids.verify_sender_id(sid) is None


def test_bad_channel_name_is_refused():
    with pytest.raises(ValueError):
        sender_ids.issue_sender_id("Rest.x")
