"""`dmsbot kb check --stale` on a small fixture knowledge base: old sources, fees with no price this year, unconfirmed."""

import datetime as dt
from pathlib import Path
from textwrap import dedent

import pytest

from dmsbot.cli import main as dmsbot_main
from kbengine import load_knowledge_base
from kbengine.stale import format_report, stale_items

TODAY = dt.date(2027, 1, 1)  # the editor's day: nothing priced in 2027 yet

QUESTIONS = """
questions:
  doc_type:
    type: choice
    prompt: "Який документ?"
    prompt_en: "Which document?"
    options:
      - {value: id_card, label: "ID-картка", label_en: "ID card", keywords: ["id"]}
"""

DOCUMENT = """
doc_type: id_card
title: "ID-картка"
title_en: "ID card"
short_title: "ID-картка"
short_title_en: "ID card"
questions: []
checklist:
  - id: fresh
    text: "свіжий факт"
    text_en: "a fresh fact"
    source: {url: "https://example.org/fresh", as_of: 2026-06-01}
  - id: old
    text: "старий факт"
    text_en: "an old fact"
    source: {url: "https://example.org/old", as_of: 2025-12-31}
notices:
  - id: doubtful
    unconfirmed: true
    text: "непідтверджений факт"
    text_en: "an unconfirmed fact"
    source: {url: "https://example.org/doubtful", as_of: 2026-11-01}
fees:
  - id: priced_last_year
    label: "ціна минулого року"
    label_en: "last year's price"
    urgency: standard
    schedule:
      - {effective_from: 2026-01-01, amount_uah: 618, source: {url: "https://example.org/fee", as_of: 2026-01-02}}
  - id: priced_now
    label: "ціна цього року"
    label_en: "this year's price"
    urgency: urgent
    schedule:
      - {reported_on: 2027-01-01, amount_uah: 700, source: {url: "https://example.org/fee2027", as_of: 2027-01-01}}
processing_times:
  - id: term
    text: "до 20 робочих днів"
    text_en: "up to 20 working days"
    source: {url: "https://example.org/term", as_of: 2026-05-05}
places:
  - id: anywhere
    text: "будь-який підрозділ"
    text_en: "any unit"
    source: {url: "https://example.org/place", as_of: 2026-05-05}
"""

CONTACTS = """
contacts:
  - id: site
    text: "сайт: https://example.org"
    text_en: "website: https://example.org"
    source: {url: "https://example.org", as_of: 2024-02-02}
"""


@pytest.fixture
def small_kb(tmp_path) -> Path:
    kb = tmp_path / "kb"
    (kb / "documents").mkdir(parents=True)
    (kb / "questions.yml").write_text(dedent(QUESTIONS), encoding="utf-8")
    (kb / "documents" / "id_card.yml").write_text(dedent(DOCUMENT), encoding="utf-8")
    (kb / "contacts.yml").write_text(dedent(CONTACTS), encoding="utf-8")
    return kb


def test_stale_items(small_kb):
    items = stale_items(load_knowledge_base(small_kb), TODAY, small_kb)
    found = {(Path(i.file).name, i.field, i.kind) for i in items}
    assert found == {
        ("id_card.yml", "checklist.old", "old_source"),  # 2025-12-31 is more than 12 months before 2027-01-01
        ("id_card.yml", "notices.doubtful", "unconfirmed"),
        ("id_card.yml", "fees.priced_last_year", "no_fee_this_year"),
        ("contacts.yml", "contacts.site", "old_source"),
    }


def test_a_month_earlier_the_old_fact_is_fresh_and_last_years_price_is_current(small_kb):
    items = stale_items(load_knowledge_base(small_kb), dt.date(2026, 12, 3), small_kb)
    assert {(i.field, i.kind) for i in items} == {
        ("notices.doubtful", "unconfirmed"),
        ("contacts.site", "old_source"),
        ("fees.priced_now", "no_fee_this_year"),  # its only price is reported for next year
    }


def test_report_is_grouped_by_file(small_kb):
    text = format_report(stale_items(load_knowledge_base(small_kb), TODAY, small_kb), TODAY, root=small_kb.parent)
    lines = text.splitlines()
    assert lines[0].startswith("Stale-fact report for 2027-01-01: 4 item(s) in 2 file(s)")
    contacts, document = lines.index("kb/contacts.yml"), lines.index("kb/documents/id_card.yml")
    assert (
        lines[contacts + 1]
        == "  source older than 12 months: contacts.site — source from 2024-02-02 (https://example.org)"
    )
    assert lines[document + 1 : document + 4] == [
        "  source older than 12 months: checklist.old — source from 2025-12-31 (https://example.org/old)",
        "  no price reported this year: fees.priced_last_year — no entry reported in 2027; newest source from 2026-01-02",
        "  unconfirmed: notices.doubtful — непідтверджений факт",
    ]


def test_cli_stale(small_kb, capsys, monkeypatch):
    monkeypatch.setenv("DMSBOT_TODAY", TODAY.isoformat())
    assert dmsbot_main(["kb", "check", "--kb-dir", str(small_kb), "--stale"]) == 0
    out = capsys.readouterr().out
    assert "Stale-fact report for 2027-01-01" in out and "fees.priced_last_year" in out
    assert dmsbot_main(["kb", "check", "--kb-dir", str(small_kb)]) == 0
    assert "4 fact(s) to recheck" in capsys.readouterr().out
