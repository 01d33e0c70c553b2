"""The trained model on the held-out set (floors below the targets, to catch regressions)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.script_modules import load_script

ROOT = Path(__file__).resolve().parents[2]


def _evaluate_module():
    return load_script("evaluate")


@pytest.fixture(scope="module")
def report(trained_model: Path, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("nlu_results")
    result = _evaluate_module().evaluate_heldout(trained_model, ROOT / "tests" / "nlu" / "heldout.yml", out)
    return {**result, "_out": out}


# Floors under today's figures, to catch a fall. DIET's training is not repeatable (machines, seeds, a changed
# example): on 2026-12-05 three trainings of the final data (seeds 42, 7, 11) gave intent 0.966-0.974 on this set,
# 0.873-0.887 on the second set and 0.858 on the third (docs/nlu.md, "Figures and what is left").
THIRD_FLOOR = 0.8


def test_heldout_intent_accuracy(report: dict) -> None:
    assert report["messages"] >= 200
    assert report["intent_accuracy"] >= 0.93, report["intent_accuracy"]


def test_second_heldout_set(trained_model: Path, tmp_path: Path) -> None:
    """tests/nlu/heldout_fresh.yml, written blind after the rules were tuned on the first set."""
    fresh = _evaluate_module().evaluate_heldout(trained_model, ROOT / "tests" / "nlu" / "heldout_fresh.yml", tmp_path)
    assert fresh["messages"] >= 200
    assert fresh["intent_accuracy"] >= 0.82, fresh["intent_accuracy"]


def test_third_heldout_set(trained_model: Path, tmp_path: Path) -> None:
    """tests/nlu/heldout_3.yml, written blind on 2026-12-05 from a description of the intents."""
    third = _evaluate_module().evaluate_heldout(trained_model, ROOT / "tests" / "nlu" / "heldout_3.yml", tmp_path)
    assert third["messages"] >= 140
    assert third["intent_accuracy"] >= THIRD_FLOOR, third["intent_accuracy"]


def test_heldout_entities(report: dict) -> None:
    assert report["entities"]["doc_type"]["f1"] >= 0.92
    assert report["document_number_exact_match"] >= 0.98
    assert report["entities"]["age"]["f1"] >= 0.9


def test_report_files(report: dict) -> None:
    out = report["_out"]
    assert (out / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "intent accuracy" in (out / "nlu_report.md").read_text(encoding="utf-8")


def test_consultation_question_from_free_text(trained_model: Path) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model))
    result = asyncio.run(agent.parse_message("Які документи потрібні для ID-картки вперше, мені 14"))
    entities = {(e["entity"], str(e["value"])) for e in result["entities"]}
    assert result["intent"]["name"] == "ask_documents"
    assert {("doc_type", "id_card"), ("reason", "first_issue"), ("age", "14")} <= entities


def test_a_residence_permit_named_without_its_kind(trained_model: Path) -> None:
    """«посвідка» / "posvidka" alone is the temporary residence permit (as "residence permit" is); «на постоянку»
    after it is the permanent one."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model))
    for text, doc in (
        ("скільки зараз коштує посвідка для іноземця", "temporary_residence_permit"),
        ("what papers do I need for my posvidka, I study in Kharkiv", "temporary_residence_permit"),
        ("куди подавати документи на посвідку на постоянку", "permanent_residence_permit"),
    ):
        result = asyncio.run(agent.parse_message(text))
        assert [e["value"] for e in result["entities"] if e["entity"] == "doc_type"] == [doc], text


def test_faq_evaluation_set(trained_model: Path, tmp_path: Path) -> None:
    """eval/faq_questions.yml (never trained on): floors under the figures of 2026-12-05 (three trainings: top-1
    0.960-0.966, strict 0.944-0.954; confident wrong 0.009-0.015, strict 0.019-0.031; English 0.958-0.972; goals 0.90
    and 0.02, docs/faq.md), with room for DIET's spread between machines."""
    report = _evaluate_module().evaluate_faq(trained_model, ROOT / "eval" / "faq_questions.yml", tmp_path)
    overall = report["groups"]["all"]
    assert overall["questions"] >= 300
    assert overall["top1"] >= 0.92 and overall["strict_top1"] >= 0.91, overall
    assert overall["confident_wrong"] <= 0.03 and overall["strict_confident_wrong"] <= 0.045, overall
    assert report["groups"]["en"]["top1"] >= 0.90, report["groups"]["en"]


# The sets written blind, three trainings each (2026-12-05): the second 0.938-0.942 top-1, 0.011-0.015 confident
# wrong (strict 0.019), English 0.917-0.938; the third and the fourth, sealed (no rule made after reading them),
# 0.911 and 0.032-0.037 (English 0.844-0.867), 0.926-0.930 and 0.007 (English 0.934).
FAQ_SET_FLOORS = {
    "faq_questions_2.yml": {"questions": 250, "top1": 0.90, "confident_wrong": 0.03, "strict": 0.035, "en": 0.87},
    "faq_questions_3.yml": {"questions": 180, "top1": 0.86, "confident_wrong": 0.05, "strict": 0.05, "en": 0.78},
    "faq_questions_4.yml": {"questions": 260, "top1": 0.88, "confident_wrong": 0.035, "strict": 0.035, "en": 0.88},
    # Not blind (its misses were read, docs/faq.md): 0.909 and 0.018 with close_call_lead 0.14 (2026-12-05, evening).
    "faq_questions_5.yml": {"questions": 330, "top1": 0.85, "confident_wrong": 0.04, "strict": 0.04, "en": 0.83},
    # Sealed (but see docs/faq.md): 0.896 and 0.019 that evening; 0.902 and 0.028 that afternoon, 0.890 and 0.044
    # that morning.
    "faq_questions_6.yml": {"questions": 310, "top1": 0.86, "confident_wrong": 0.04, "strict": 0.04, "en": 0.87},
    # Sealed, written after the third, fourth and sixth sets' confident wrong answers were seen: 0.913 and 0.025 that
    # evening; 0.910 and 0.044 that afternoon; 0.882 and 0.053 before the afternoon's changes.
    "faq_questions_7.yml": {"questions": 315, "top1": 0.86, "confident_wrong": 0.045, "strict": 0.045, "en": 0.85},
    # A development set (misses read), nearly half intent questions: 0.808 and 0.040 as written (2026-12-06), 0.846
    # and 0.021 after that morning's rules and three corrected labels; English 0.790.
    "faq_questions_8.yml": {"questions": 410, "top1": 0.78, "confident_wrong": 0.045, "strict": 0.05, "en": 0.72},
    # A third development set: 0.858 and 0.027 as written (blind, 2026-12-06 afternoon; 0.865 and 0.020 with three
    # labels corrected later), 0.875 and 0.020 with the shipped model (rules, one new entry, DIET retrained).
    "faq_questions_9.yml": {"questions": 390, "top1": 0.82, "confident_wrong": 0.04, "strict": 0.04, "en": 0.82},
    # Sealed (2026-12-06, night): 0.838 and 0.014 as written (English 0.750), 0.850 and 0.019 (English 0.794) after
    # the longer checklist questions of that night.
    "faq_questions_10.yml": {"questions": 410, "top1": 0.80, "confident_wrong": 0.035, "strict": 0.035, "en": 0.74},
}


@pytest.mark.parametrize("name", sorted(FAQ_SET_FLOORS))
def test_later_faq_evaluation_sets(trained_model: Path, tmp_path: Path, name: str) -> None:
    floors = FAQ_SET_FLOORS[name]
    report = _evaluate_module().evaluate_faq(trained_model, ROOT / "eval" / name, tmp_path)
    overall = report["groups"]["all"]
    assert overall["questions"] >= floors["questions"]
    assert overall["top1"] >= floors["top1"], overall
    assert overall["confident_wrong"] <= floors["confident_wrong"], overall
    assert overall["strict_confident_wrong"] <= floors["strict"], overall
    assert report["groups"]["en"]["top1"] >= floors["en"], report["groups"]["en"]
