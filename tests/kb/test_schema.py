"""The schema check rejects malformed knowledge files with a message that names the file and the field."""

import shutil
from pathlib import Path

import pytest
import yaml

from dmsbot.cli import main as dmsbot_main
from kbengine import DEFAULT_KB_DIR, KnowledgeBaseError, load_knowledge_base


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, target)
    return target


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_real_knowledge_base_is_valid():
    kb = load_knowledge_base()
    assert set(kb.doc_types) == {
        "id_card",
        "foreign_passport",
        "temporary_residence_permit",
        "permanent_residence_permit",
    }


@pytest.mark.parametrize(
    "file,change,field,words",
    [
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][1].pop("source"),
            "checklist[1]",
            "'source' is a required property",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][0]["source"].update(as_of="вчора"),
            "checklist[0].source.as_of",
            "вчора",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][1]["schedule"][0].update(amount_uah="345 грн"),
            "fees[1].schedule[0]",
            "amount_uah",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][1]["schedule"][0]["source"].update(url="krapka.rv.ua"),
            "fees[1].schedule[0].source.url",
            "does not match",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][2].update(when={"reason": ["first_time"]}),
            "checklist[2].when.reason",
            "'first_time' is not an answer option",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][2].update(when={"colour": ["red"]}),
            "checklist[2].when.colour",
            "unknown question slot",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][2].update(when={"age": [14]}),
            "checklist[2].when.age",
            "range",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][3].update(id=d["checklist"][0]["id"]),
            "checklist[3].id",
            "duplicate",
        ),
        ("documents/id_card.yml", lambda d: d.update(doc_type="passport"), "doc_type", "file name"),
        ("documents/id_card.yml", lambda d: d["checklist"][0].update(colour="red"), "checklist[0]", "colour"),
        (
            "documents/foreign_passport.yml",
            lambda d: d["questions"][0].update(options=["booklet"]),
            "questions[0].options",
            "'booklet'",
        ),
        ("questions.yml", lambda d: d["questions"]["reason"].update(type="free"), "questions.reason.type", "free"),
        # English is required next to every user-facing text
        (
            "documents/id_card.yml",
            lambda d: d["checklist"][0].pop("text_en"),
            "checklist[0]",
            "'text_en' is a required property",
        ),
        (
            "documents/foreign_passport.yml",
            lambda d: d["notices"][1].pop("text_en"),
            "notices[1]",
            "'text_en' is a required property",
        ),
        (
            "documents/id_card.yml",
            lambda d: d.pop("short_title_en"),
            "(top level)",
            "'short_title_en' is a required property",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][1].pop("label_en"),
            "fees[1]",
            "'label_en' is a required property",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][0].pop("note_en"),
            "fees[0]",
            "'note_en' is a dependency of 'note'",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][2]["schedule"][5].pop("term_en"),
            "fees[2].schedule[5]",
            "'term_en' is a dependency of 'term'",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["age_buttons"][0].pop("label_en"),
            "age_buttons[0]",
            "'label_en' is a required property",
        ),
        (
            "questions.yml",
            lambda d: d["questions"]["reason"].pop("prompt_en"),
            "questions.reason",
            "'prompt_en' is a required property",
        ),
        (
            "questions.yml",
            lambda d: d["questions"]["sex"]["options"][0].pop("label_en"),
            "questions.sex.options[0]",
            "'label_en' is a required property",
        ),
        ("contacts.yml", lambda d: d["contacts"][2].pop("text_en"), "contacts[2]", "'text_en' is a required property"),
        # a price has either the day it took effect or the day it was reported, and its parts add up
        (
            "documents/id_card.yml",
            lambda d: d["fees"][1]["schedule"][5].update(reported_on="2026-01-02"),
            "fees[1].schedule[5]",
            "effective_from",
        ),
        (
            "documents/id_card.yml",
            lambda d: d["fees"][1]["schedule"][5]["parts"][1].update(amount_uah=500),
            "fees[1].schedule[5].parts",
            "add up to 626, not 618",
        ),
    ],
)
def test_malformed_file_is_rejected_with_file_and_field(kb_copy, file, change, field, words):
    edit(kb_copy / file, change)
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(kb_copy)
    message = str(error.value)
    assert str(kb_copy / file) in message
    assert f"field {field}" in message
    assert words in message


def test_broken_yaml_is_reported(kb_copy):
    (kb_copy / "contacts.yml").write_text("contacts: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="contacts.yml: not valid YAML"):
        load_knowledge_base(kb_copy)


def test_missing_document_file_is_reported(kb_copy):
    (kb_copy / "documents" / "permanent_residence_permit.yml").unlink()
    with pytest.raises(KnowledgeBaseError, match="permanent_residence_permit"):
        load_knowledge_base(kb_copy)


def test_cli_kb_check(kb_copy, capsys):
    assert dmsbot_main(["kb", "check", "--kb-dir", str(kb_copy)]) == 0
    assert "4 documents" in capsys.readouterr().out
    edit(kb_copy / "documents/id_card.yml", lambda d: d["fees"][0].pop("schedule"))
    assert dmsbot_main(["kb", "check", "--kb-dir", str(kb_copy)]) == 1
    err = capsys.readouterr().err
    assert "id_card.yml" in err and "fees[0]" in err


def test_cli_kb_check_reads_the_folder_the_bot_reads(kb_copy, capsys, monkeypatch):
    """Without --kb-dir the check follows DMSBOT_KB_DIR, as the bot does, not the project's kb/."""
    edit(kb_copy / "documents/id_card.yml", lambda d: d["fees"][0].pop("schedule"))
    monkeypatch.setenv("DMSBOT_KB_DIR", str(kb_copy))
    assert dmsbot_main(["kb", "check"]) == 1
    assert "id_card.yml" in capsys.readouterr().err
