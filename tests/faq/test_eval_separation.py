"""The evaluation questions are never trained on: none of them is in data/ or among the kb/faq questions (the FAQ
set of eval/ and the NLU held-out set of tests/nlu alike)."""

import re
from pathlib import Path

import yaml

from dmsbot.commands.inbox import FAQ_EVAL_SETS, HELDOUT_SETS
from kbengine.faq import load_faq, question_key

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST_QUESTIONS = "ask_documents|ask_fee|ask_processing_time|ask_where_to_apply"
DOC_TYPES = "|".join(p.stem for p in (ROOT / "kb" / "documents").glob("*.yml"))
FAQ_SETS = [ROOT / path for path in FAQ_EVAL_SETS]


def _questions():
    return [q for path in FAQ_SETS for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]


def _data_texts():
    texts = set()
    for path in (ROOT / "data").rglob("*.yml"):
        if path.name in ("synonyms.yml", "regexes.yml"):  # value lists, not example messages
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("- ") and not line.startswith(("- intent", "- rule", "- story")):
                plain = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])
                texts.add(question_key(plain))
    return texts


def test_no_evaluation_question_is_training_data():
    for path in FAQ_SETS:
        assert len(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]) >= 180, path
    questions = _questions()
    trained = _data_texts() | {question_key(q) for e in load_faq().entries.values() for q in e.questions}
    leaked = [q["text"] for q in questions if question_key(q["text"]) in trained]
    assert not leaked, f"evaluation questions found in data/ or kb/faq: {leaked}"


def test_no_heldout_message_is_an_faq_question():
    """The retriever indexes every kb/faq question and routes on it, so a held-out message there would be seen."""
    kb = {question_key(q) for e in load_faq().entries.values() for q in e.questions}
    leaked = []
    lines = [line for path in HELDOUT_SETS for line in (ROOT / path).read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line = line.strip()
        if line.startswith("- ") and not line.startswith("- intent"):
            plain = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line[2:])
            if question_key(plain) in kb:
                leaked.append(plain)
    assert not leaked, f"held-out messages found among the kb/faq questions: {leaked}"


def test_evaluation_format():
    questions = _questions()
    entries = load_faq().entries
    for q in questions:
        assert q["lang"] in {"uk", "ru", "surzhyk", "en"}, q
        assert re.fullmatch(r"(faq|checklist|intent):[a-z0-9_]+|ambiguous", q["expect"]), q
        assert not q["expect"].startswith("faq:") or q["expect"][4:] in entries, q
        for alternative in q.get("also") or []:
            # The checklist engine's answer of one question about one document, accepted beside an FAQ entry.
            assert q["expect"].startswith("faq:"), q
            assert re.fullmatch(f"({CHECKLIST_QUESTIONS}):({DOC_TYPES})", alternative), q


def test_dialogue_turns_are_never_trained_on_and_expect_existing_entries():
    """eval/dialogues*.yml (scripts/evaluate_dialogues.py): no turn is in data/ or kb/faq; every entry exists."""
    trained = _data_texts() | {question_key(q) for e in load_faq().entries.values() for q in e.questions}
    entries = load_faq().entries
    paths = sorted((ROOT / "eval").glob("dialogues*.yml"))
    assert len(paths) >= 2
    for path in paths:
        dialogues = yaml.safe_load(path.read_text(encoding="utf-8"))["dialogues"]
        assert len(dialogues) >= 20, path
        for dialogue in dialogues:
            assert len(dialogue["turns"]) >= 2 and dialogue["expect"], dialogue
            leaked = [t for t in dialogue["turns"] if question_key(t) in trained]
            assert not leaked, f"{path.name}: turns found in data/ or kb/faq: {leaked}"
            unknown = [e for e in dialogue["expect"] if e not in entries]
            assert not unknown, f"{path.name}: no such FAQ entry: {unknown}"
