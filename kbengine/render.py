"""Turns engine results into the Ukrainian text the bot sends, with numbered sources and their dates."""
from __future__ import annotations

import datetime as dt
from typing import Dict, Iterable, List, Optional, Sequence

from kbengine.model import Answer, DocumentSpec, Fact, FeeLine, KnowledgeBase, Source

UNCONFIRMED_PREFIX = "За нашими даними (уточніть у ДМС): "


class _Sources:
    """Numbers each distinct source once per message: «[1]» in the text, the list at the end."""

    def __init__(self) -> None:
        self._numbers: Dict[Source, int] = {}

    def ref(self, source: Source) -> str:
        if source not in self._numbers:
            self._numbers[source] = len(self._numbers) + 1
        return f"[{self._numbers[source]}]"

    def footer(self) -> str:
        if not self._numbers:
            return ""
        lines = ["Джерела (станом на дату):"]
        for source, number in self._numbers.items():
            lines.append(f"[{number}] {source.url} — станом на {format_date(source.as_of)}")
        return "\n".join(lines)


def format_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def format_amount(line: FeeLine) -> str:
    if line.amount_uah == 0:
        return "безкоштовно"
    if line.amount_uah is not None:
        return f"{line.amount_uah:,} грн".replace(",", " ")
    return f"близько {line.amount_usd} $"


def _fact_text(fact: Fact, sources: _Sources) -> str:
    prefix = UNCONFIRMED_PREFIX if fact.unconfirmed else ""
    return f"{prefix}{fact.text} {sources.ref(fact.source)}"


def _fee_text(line: FeeLine, sources: _Sources) -> str:
    prefix = UNCONFIRMED_PREFIX if line.unconfirmed else ""
    text = f"{prefix}{line.label} — {format_amount(line)}"
    if line.term:
        term = f"{line.term} (за нашими даними, уточніть у ДМС)" if line.term_unconfirmed else line.term
        text += f", строк: {term}"
    if line.note:
        text += f" ({line.note})"
    return f"{text} {sources.ref(line.source)}"


def _section(title: str, items: Iterable[str], numbered: bool = False) -> Optional[str]:
    items = list(items)
    if not items:
        return None
    body = [f"{i}. {item}" if numbered else f"• {item}" for i, item in enumerate(items, 1)]
    return "\n".join([title, *body])


def _join(parts: Sequence[Optional[str]]) -> str:
    return "\n\n".join(p for p in parts if p)


def render_checklist(answer: Answer, kb: KnowledgeBase) -> str:
    doc = answer.doc
    sources = _Sources()
    if answer.stopped:
        return _join([_section("Зверніть увагу:", (_fact_text(n, sources) for n in answer.notices)), sources.footer()])
    summary = _answers_summary(answer, kb)
    header = f"Що підготувати для оформлення: {doc.title}{summary}"
    # Sections are built in display order so that source numbers rise down the message.
    parts = [_section(header, [_fact_text(f, sources) for f in answer.checklist], numbered=True)]
    parts.append(_section(f"Вартість на {format_date(answer.today)}:", [_fee_text(x, sources) for x in answer.fees]))
    parts.append(_section("Строки:", [_fact_text(f, sources) for f in answer.processing_times]))
    parts.append(_section("Де оформити:", [_fact_text(f, sources) for f in answer.places]))
    parts.append(_section("Зверніть увагу:", [_fact_text(n, sources) for n in answer.notices]))
    parts.append(sources.footer())
    return _join(parts)


def _answers_summary(answer: Answer, kb: KnowledgeBase) -> str:
    parts = []
    for slot, value in answer.answers.items():
        if slot == "doc_type":
            continue
        question = kb.question_for(slot, answer.doc.doc_type)
        if question.type == "number":
            parts.append(f"вік: {value}")
        else:
            option = question.option(value)
            if option:
                label = option.label[:1].lower() + option.label[1:]
                parts.append(label if slot != "idp" else ("ВПО" if value else "не ВПО"))
    return f" — {', '.join(parts)}" if parts else ""


def render_fees(kb: KnowledgeBase, doc: DocumentSpec, answers, today: dt.date, urgency: Optional[str] = None) -> str:
    sources = _Sources()
    lines = [_fee_text(line, sources) for line in kb.fees(doc.doc_type, answers, today, urgency=urgency)]
    if not lines:
        return f"На жаль, у нашій базі немає чинної вартості для документа «{doc.short_title}». Уточніть у ДМС."
    return _join([_section(f"Вартість — {doc.short_title} (на {format_date(today)}):", lines), sources.footer()])


def render_processing_times(kb: KnowledgeBase, doc: DocumentSpec, answers) -> str:
    sources = _Sources()
    facts = kb.processing_times(doc.doc_type, answers)
    return _join([_section(f"Строки — {doc.short_title}:", (_fact_text(f, sources) for f in facts)), sources.footer()])


def render_places(kb: KnowledgeBase, doc: DocumentSpec, answers) -> str:
    sources = _Sources()
    facts = kb.places(doc.doc_type, answers)
    return _join([_section(f"Де оформити — {doc.short_title}:", (_fact_text(f, sources) for f in facts)), sources.footer()])


def render_contacts(kb: KnowledgeBase) -> str:
    sources = _Sources()
    return _join([_section("Контакти ДМС:", (_fact_text(f, sources) for f in kb.contacts)), sources.footer()])


def render_preliminary(kb: KnowledgeBase, doc: DocumentSpec, answers) -> Optional[str]:
    """What is certainly needed already, shown while the remaining questions are asked."""
    sources = _Sources()
    facts = kb.certain_checklist(doc.doc_type, answers)
    if not facts:
        return None
    title = f"Ось що точно знадобиться для документа «{doc.short_title}» (повний перелік — після кількох уточнень):"
    return _join([_section(title, [_fact_text(f, sources) for f in facts], numbered=True), sources.footer()])
