"""kb/faq/*.yml: schema check (errors name file, entry and field), placeholders for the day, buttons in uk/en."""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from dmsbot.cli import main as dmsbot_main
from kbengine import KnowledgeBaseError, load_knowledge_base
from kbengine.faq import followup_buttons, load_faq, render_answer

DAY = dt.date(2026, 12, 3)


def edit(path: Path, entry_index: int, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["entries"][entry_index])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_real_faq_is_valid():
    kb = load_knowledge_base()
    faq = load_faq(kb=kb, today=DAY)
    for entry in faq.entries.values():
        assert entry.answer["uk"] and entry.answer["en"]


def test_fixture_loads_and_expands_fee_for_the_day(fixture_kb):
    kb = load_knowledge_base(fixture_kb)
    faq = load_faq(fixture_kb, kb, DAY)
    assert len(faq) == 5
    entry = faq.entry("child_foreign_passport_who_applies")
    fee = next(f for f in kb.document("foreign_passport").fees if f.id == "standard")
    amount = fee.in_force(DAY).amount_uah
    uk = render_answer(entry, kb, "uk", DAY)
    en = render_answer(entry, kb, "en", DAY)
    assert f"{amount:,} грн".replace(",", " ") in uk and "{fee" not in uk
    assert f"UAH {amount:,}" in en
    assert "Джерело: https://sud.ua/uk/news/ukraine/351710-example — станом на 24.01.2026" in uk
    assert "Source: https://sud.ua/uk/news/ukraine/351710-example — as of 24.01.2026" in en
    # An older day quotes the older price.
    old = fee.in_force(dt.date(2025, 6, 1)).amount_uah
    assert old != amount and f"{old:,} грн".replace(",", " ") in render_answer(entry, kb, "uk", dt.date(2025, 6, 1))


def test_unconfirmed_and_term(fixture_kb):
    kb = load_knowledge_base(fixture_kb)
    faq = load_faq(fixture_kb, kb, DAY)
    uk = render_answer(faq.entry("pay_privat24"), kb, "uk", DAY)
    en = render_answer(faq.entry("pay_privat24"), kb, "en", DAY)
    assert uk.startswith("За нашими даними (уточніть у ДМС): ")
    assert en.startswith("As far as we know (check with the DMS): ")
    assert "{term" not in uk and "{term" not in en


def test_followup_buttons_in_both_languages(fixture_kb):
    faq = load_faq(fixture_kb, load_knowledge_base(fixture_kb), DAY)
    entry = faq.entry("child_foreign_passport_who_applies")
    uk = followup_buttons(entry, faq, "uk")
    en = followup_buttons(entry, faq, "en")
    assert uk[0] == {
        "title": "📋 Що взяти з собою: закордонний паспорт",
        "payload": '/ask_documents{"doc_type":"foreign_passport"}',
    }
    assert en[0]["title"] == "📋 What to bring: passport for travel abroad"
    assert uk[1]["payload"] == '/faq{"faq_id":"photo_needed"}' == en[1]["payload"]
    assert uk[1]["title"] == "❓ Чи треба приносити фото на паспорт?"
    assert en[1]["title"] == "❓ Do I need to bring a photo for the ID card?"


@pytest.mark.parametrize(
    "change,field,words",
    [
        (lambda e: e.pop("source"), "entry photo_needed: field (entry)", "'source' is a required property"),
        (lambda e: e["source"].pop("as_of"), "entry photo_needed: field source", "'as_of' is a required property"),
        (lambda e: e["source"].update(as_of="2026-13-45"), "entry photo_needed: field source.as_of", "not a"),
        (lambda e: e["source"].update(url="dmsu.gov.ua"), "entry photo_needed: field source.url", "does not match"),
        (lambda e: e["answer"].pop("en"), "entry photo_needed: field answer", "'en' is a required property"),
        (
            lambda e: e["answer"].update(en="Фото приносити не потрібно."),
            "entry photo_needed: field answer.en",
            "English",
        ),
        (lambda e: e["answer"].update(uk="ж" * 701), "entry photo_needed: field answer.uk", "701 characters"),
        (lambda e: e.update(questions=e["questions"][:4]), "entry photo_needed: field questions", "too short"),
        (lambda e: e.update(topics=["weather"]), "entry photo_needed: field topics[0]", "'weather' is not one of"),
        (lambda e: e.update(documents=["driving_licence"]), "entry photo_needed: field documents[0]", "is not one of"),
        (lambda e: e.update(followups=["faq:nope"]), "entry photo_needed: field followups[0]", "no FAQ entry 'nope'"),
        (lambda e: e.update(followups=["fee:passport"]), "entry photo_needed: field followups[0]", "not a document"),
        (lambda e: e.update(followups=["a:b", "c:d", "e:f", "g:h"]), "entry photo_needed: field followups", "too long"),
        (
            lambda e: e["answer"].update(uk="Ціна {fee:id_card.cheap}"),
            "entry photo_needed: field answer.uk",
            "no fee 'cheap'",
        ),
        (
            lambda e: e["answer"].update(en="Price {price}"),
            "entry photo_needed: field answer.en",
            "unknown placeholder",
        ),
        (lambda e: e.update(id="pay_privat24"), "entry pay_privat24: field id", "duplicate id"),
        (lambda e: e.update(colour="red"), "entry photo_needed: field (entry)", "'colour' was unexpected"),
        (lambda e: e.update(trains_intent="greet"), "entry photo_needed: field trains_intent", "'greet' is not one of"),
    ],
)
def test_errors_name_file_entry_and_field(fixture_kb, change, field, words):
    path = fixture_kb / "faq" / "sample.yml"
    edit(path, 0, change)
    with pytest.raises(KnowledgeBaseError) as error:
        load_faq(fixture_kb, load_knowledge_base(fixture_kb), DAY)
    message = str(error.value)
    assert str(path) in message and field in message and words in message, message


def test_kb_check_reports_faq_errors(fixture_kb, capsys):
    assert dmsbot_main(["kb", "check", "--kb-dir", str(fixture_kb)]) == 0
    assert "5 FAQ entries" in capsys.readouterr().out
    edit(fixture_kb / "faq" / "sample.yml", 1, lambda e: e["answer"].pop("en"))
    assert dmsbot_main(["kb", "check", "--kb-dir", str(fixture_kb)]) == 1
    err = capsys.readouterr().err
    assert "sample.yml: entry child_foreign_passport_who_applies: field answer" in err


def test_same_question_in_two_entries_is_a_note(fixture_kb):
    edit(fixture_kb / "faq" / "sample.yml", 0, lambda e: e["questions"].append("можна оплатити через приват24?"))
    faq = load_faq(fixture_kb, load_knowledge_base(fixture_kb), DAY)
    assert any(
        "entry pay_privat24: field questions" in n and "also a question of entry photo_needed" in n for n in faq.notes
    )
