"""`dmsbot inbox export` / `merge` against a real SQLite tracker store written by Rasa."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from dmsbot.cli import main
from dmsbot.commands.inbox import FAQ_EVAL_SETS, HELDOUT_SETS

ROOT = Path(__file__).resolve().parents[2]


def _user(text: str, intent: str, confidence: float) -> UserUttered:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "ask_fee", "confidence": 0.2}]
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        parse_data={
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": [],
            "text": text,
        },
    )


@pytest.fixture()
def tracker_db(tmp_path: Path) -> str:
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker("user-1234567890", slots=[])
    for event in [
        _user("шо по бабках за закордонку", "nlu_fallback", 0.31),
        _user("скільки коштує ID-картка", "ask_fee", 0.97),  # confident: not exported
        _user("а шо з моєю ксивою", "track_document", 0.42),
        _user('/inform{"age":"15"}', "inform", 0.2),  # a button payload: not exported
        _user("шо по бабках за закордонку", "nlu_fallback", 0.30),  # duplicate text
    ]:
        tracker.update(event)
    import asyncio

    asyncio.run(store.save(tracker))
    return f"sqlite:///{db}"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "project"
    shutil.copytree(ROOT / "domain", proj / "domain")
    shutil.copytree(ROOT / "data" / "nlu", proj / "data" / "nlu")
    (proj / "tests" / "nlu").mkdir(parents=True)
    for path in HELDOUT_SETS:
        shutil.copy(ROOT / path, proj / path)
    (proj / "eval").mkdir()
    for path in FAQ_EVAL_SETS:
        shutil.copy(ROOT / path, proj / path)
    return proj


def test_export_then_merge(tracker_db: str, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "inbox.yml"
    assert main(["inbox", "export", "--db", tracker_db, "-o", str(out), "--project", str(project)]) == 0
    rows = yaml.safe_load(out.read_text(encoding="utf-8"))["messages"]
    assert [r["text"] for r in rows] == ["шо по бабках за закордонку", "а шо з моєю ксивою"]
    assert rows[0]["predicted"] == "nlu_fallback" and rows[0]["intent"] == ""
    assert rows[0]["candidates"][0].startswith("nlu_fallback") is False

    rows[0]["text"] = 'шо по бабках за [закордонку]{"entity": "doc_type", "value": "foreign_passport"}'
    rows[0]["intent"] = "ask_fee"
    rows[1]["intent"] = "skip"
    out.write_text(yaml.safe_dump({"messages": rows}, allow_unicode=True), encoding="utf-8")
    assert main(["inbox", "merge", str(out), "--no-validate", "--project", str(project)]) == 0

    merged = yaml.safe_load((project / "data" / "nlu" / "inbox.yml").read_text(encoding="utf-8"))
    assert merged["nlu"][0]["intent"] == "ask_fee"
    assert "[закордонку]" in merged["nlu"][0]["examples"]
    assert "ксивою" not in (project / "data" / "nlu" / "inbox.yml").read_text(encoding="utf-8")
    # Merging the same file again adds nothing.
    main(["inbox", "merge", str(out), "--no-validate", "--project", str(project)])
    assert (project / "data" / "nlu" / "inbox.yml").read_text(encoding="utf-8").count("бабках") == 1


def test_merge_rejects_unknown_names_and_heldout(project: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.yml"
    heldout_text = "шо треба шоб зробити закордонку"
    labelled.write_text(
        yaml.safe_dump(
            {
                "messages": [
                    {"text": "якийсь текст", "intent": "no_such_intent"},
                    {"text": 'скільки за [айді]{"entity": "doc_type", "value": "idcard"}', "intent": "ask_fee"},
                    {"text": heldout_text, "intent": "ask_documents"},
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    assert main(["inbox", "merge", str(labelled), "--no-validate", "--project", str(project)]) == 1
    assert not (project / "data" / "nlu" / "inbox.yml").exists()


def test_export_with_a_bad_database_is_a_clear_error(tmp_path: Path, capsys) -> None:
    code = main(["inbox", "export", "--db", "postgresql://nobody@127.0.0.1:1/none", "-o", str(tmp_path / "x.yml")])
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_merge_rejects_a_message_of_the_second_heldout_set(project: Path, tmp_path: Path) -> None:
    fresh = (project / "tests" / "nlu" / "heldout_fresh.yml").read_text(encoding="utf-8")
    text = next(
        line.strip()[2:] for line in fresh.splitlines() if line.strip().startswith("- ") and "intent" not in line
    )
    labelled = tmp_path / "labelled.yml"
    labelled.write_text(
        yaml.safe_dump({"messages": [{"text": text, "intent": "greet"}]}, allow_unicode=True), encoding="utf-8"
    )
    assert main(["inbox", "merge", str(labelled), "--no-validate", "--project", str(project)]) == 1
    assert not (project / "data" / "nlu" / "inbox.yml").exists()


@pytest.mark.parametrize("eval_set", FAQ_EVAL_SETS, ids=lambda path: path.name)
def test_merge_rejects_a_question_of_an_faq_evaluation_set(
    project: Path, tmp_path: Path, capsys, eval_set: Path
) -> None:
    """A real user may type what an evaluation question says; the trainer's merge refuses it, as for held-out ones."""
    text = yaml.safe_load((project / eval_set).read_text(encoding="utf-8"))["questions"][0]["text"]
    labelled = tmp_path / "labelled.yml"
    labelled.write_text(
        yaml.safe_dump({"messages": [{"text": text, "intent": "faq"}]}, allow_unicode=True), encoding="utf-8"
    )
    assert main(["inbox", "merge", str(labelled), "--no-validate", "--project", str(project)]) == 1
    assert "is in a held-out or evaluation set, never train on it" in capsys.readouterr().err
    assert not (project / "data" / "nlu" / "inbox.yml").exists()
