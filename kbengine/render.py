"""Turns engine results into the text the bot sends (Ukrainian or English), with numbered sources and their dates.

Every public function takes `lang` ("uk" by default, or "en"); texts come from the knowledge base's `*_en` fields and
the interface words below.
"""

from __future__ import annotations

import datetime as dt
from typing import Dict, Iterable, Optional, Sequence

from kbengine.model import Answer, DocumentSpec, Fact, Fee, FeeEntry, FeeLine, KnowledgeBase, Source, language

# The words around the facts, per language.
UI: Dict[str, Dict[str, str]] = {
    "uk": {
        "unconfirmed": "За нашими даними (уточніть у ДМС): ",
        "term_unconfirmed": "{term} (за нашими даними, уточніть у ДМС)",
        "sources": "Джерела (станом на дату):",
        "source_line": "[{n}] {url} — станом на {date}",
        "free": "безкоштовно",
        "uah": "{amount} грн",
        "usd": "близько {amount} $",
        "term": ", строк: {term}",
        "in_force_since": "діє з {date}",
        "reported_on": "за повідомленням від {date}",
        "parts": "{parts}",
        "notice": "Зверніть увагу:",
        "checklist": "Що підготувати для оформлення: {title}{summary}",
        "fees_on": "Вартість на {date}:",
        "terms": "Строки:",
        "places": "Де оформити:",
        "age": "вік: {age}",
        "idp_yes": "ВПО",
        "idp_no": "не ВПО",
        "no_fee": "На жаль, у нашій базі немає чинної вартості для документа «{doc}». Уточніть у ДМС.",
        "fees_title": "Вартість — {doc} (на {date}):",
        "terms_title": "Строки — {doc}:",
        "places_title": "Де оформити — {doc}:",
        "contacts_title": "Контакти ДМС:",
        "preliminary": "Ось що точно знадобиться для документа «{doc}» (повний перелік — після кількох уточнень):",
        "part_service": "адміністративна послуга {amount}",
        "part_blank": "бланк {amount}",
        "part_state_duty": "державне мито {amount}",
        "part_admin_fee": "адміністративний збір {amount}",
        "inline_unconfirmed": "за нашими даними {amount} ({since}; уточніть у ДМС)",
    },
    "en": {
        "unconfirmed": "As far as we know (check with the DMS): ",
        "term_unconfirmed": "{term} (as far as we know; check with the DMS)",
        "sources": "Sources (as of the date shown):",
        "source_line": "[{n}] {url} — as of {date}",
        "free": "free of charge",
        "uah": "UAH {amount}",
        "usd": "about ${amount}",
        "term": ", processing time: {term}",
        "in_force_since": "in force since {date}",
        "reported_on": "as reported on {date}",
        "parts": "{parts}",
        "notice": "Please note:",
        "checklist": "What to bring for: {title}{summary}",
        "fees_on": "Fees on {date}:",
        "terms": "Processing times:",
        "places": "Where to apply:",
        "age": "age: {age}",
        "idp_yes": "IDP",
        "idp_no": "not an IDP",
        "no_fee": "Sorry, our knowledge base has no current fee for the document “{doc}”. Please check with the DMS.",
        "fees_title": "Fees — {doc} (on {date}):",
        "terms_title": "Processing times — {doc}:",
        "places_title": "Where to apply — {doc}:",
        "contacts_title": "State Migration Service contacts:",
        "preliminary": "Here is what you will certainly need for the {doc} (the full list after a few questions):",
        "part_service": "administrative service {amount}",
        "part_blank": "blank {amount}",
        "part_state_duty": "state duty {amount}",
        "part_admin_fee": "administrative fee {amount}",
        "inline_unconfirmed": "as far as we know {amount} ({since}; check with the DMS)",
    },
}

# Kept for callers and tests that check the Ukrainian marker.
UNCONFIRMED_PREFIX = UI["uk"]["unconfirmed"]
UNCONFIRMED_PREFIX_EN = UI["en"]["unconfirmed"]

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _ui(lang: str, key: str, **values) -> str:
    return UI[language(lang)][key].format(**values)


def format_date(day: dt.date, lang: str = "uk") -> str:
    if language(lang) == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return day.strftime("%d.%m.%Y")


def _uah(amount: int, lang: str) -> str:
    return _ui(lang, "uah", amount=f"{amount:,}".replace(",", " " if language(lang) == "uk" else ","))


def format_amount(line: FeeLine, lang: str = "uk") -> str:
    if line.amount_uah == 0:
        return _ui(lang, "free")
    if line.amount_uah is not None:
        return _uah(line.amount_uah, lang)
    return _ui(lang, "usd", amount=line.amount_usd)


class _Sources:
    """Numbers each distinct source once per message: «[1]» in the text, the list at the end."""

    def __init__(self, lang: str = "uk") -> None:
        self._numbers: Dict[Source, int] = {}
        self.lang = language(lang)

    def ref(self, source: Source) -> str:
        if source not in self._numbers:
            self._numbers[source] = len(self._numbers) + 1
        return f"[{self._numbers[source]}]"

    def footer(self) -> str:
        if not self._numbers:
            return ""
        lines = [_ui(self.lang, "sources")]
        for source, number in self._numbers.items():
            lines.append(
                _ui(self.lang, "source_line", n=number, url=source.url, date=format_date(source.as_of, self.lang))
            )
        return "\n".join(lines)


def _fact_text(fact: Fact, sources: _Sources) -> str:
    lang = sources.lang
    prefix = _ui(lang, "unconfirmed") if fact.unconfirmed else ""
    return f"{prefix}{fact.text_in(lang)} {sources.ref(fact.source)}"


def _fee_text(line: FeeLine, sources: _Sources) -> str:
    lang = sources.lang
    prefix = _ui(lang, "unconfirmed") if line.unconfirmed else ""
    text = f"{prefix}{line.label_in(lang)} — {format_amount(line, lang)}"
    details = []
    if line.parts:
        details.append(", ".join(_ui(lang, f"part_{part}", amount=_uah(amount, lang)) for part, amount in line.parts))
    # The day the price is quoted from: stated by the source, or only the day it was reported.
    key = "reported_on" if line.reported else "in_force_since"
    details.append(_ui(lang, key, date=format_date(line.effective_from, lang)))
    text += f" ({'; '.join(details)})"
    term = line.term_in(lang)
    if term:
        term = _ui(lang, "term_unconfirmed", term=term) if line.term_unconfirmed else term
        text += _ui(lang, "term", term=term)
    note = line.note_in(lang)
    if note:
        text += f" ({note})"
    return f"{text} {sources.ref(line.source)}"


def fee_inline(fee: Fee, entry: FeeEntry, lang: str = "uk") -> str:
    """A price inside a sentence (FAQ answers): the amount, the day it is quoted from, and the unconfirmed marker."""
    line = FeeLine(
        fee_id=fee.id,
        label=fee.label,
        urgency=fee.urgency,
        amount_uah=entry.amount_uah,
        amount_usd=entry.amount_usd,
        term=None,
        term_unconfirmed=False,
        unconfirmed=fee.unconfirmed or entry.unconfirmed,
        note=None,
        effective_from=entry.effective_from,
        source=entry.source,
        reported=entry.reported,
    )
    since = _ui(lang, "reported_on" if line.reported else "in_force_since", date=format_date(line.effective_from, lang))
    if line.unconfirmed:
        return _ui(lang, "inline_unconfirmed", amount=format_amount(line, lang), since=since)
    return f"{format_amount(line, lang)} ({since})"


def _section(title: str, items: Iterable[str], numbered: bool = False) -> Optional[str]:
    items = list(items)
    if not items:
        return None
    body = [f"{i}. {item}" if numbered else f"• {item}" for i, item in enumerate(items, 1)]
    return "\n".join([title, *body])


def _join(parts: Sequence[Optional[str]]) -> str:
    return "\n\n".join(p for p in parts if p)


def render_checklist(answer: Answer, kb: KnowledgeBase, lang: str = "uk") -> str:
    doc = answer.doc
    sources = _Sources(lang)
    if answer.stopped:
        return _join(
            [_section(_ui(lang, "notice"), (_fact_text(n, sources) for n in answer.notices)), sources.footer()]
        )
    header = _ui(lang, "checklist", title=doc.title_in(lang), summary=_answers_summary(answer, kb, lang))
    # Sections are built in display order so that source numbers rise down the message.
    parts = [_section(header, [_fact_text(f, sources) for f in answer.checklist], numbered=True)]
    fees_title = _ui(lang, "fees_on", date=format_date(answer.today, lang))
    parts.append(_section(fees_title, [_fee_text(x, sources) for x in answer.fees]))
    parts.append(_section(_ui(lang, "terms"), [_fact_text(f, sources) for f in answer.processing_times]))
    parts.append(_section(_ui(lang, "places"), [_fact_text(f, sources) for f in answer.places]))
    parts.append(_section(_ui(lang, "notice"), [_fact_text(n, sources) for n in answer.notices]))
    parts.append(sources.footer())
    return _join(parts)


def _answers_summary(answer: Answer, kb: KnowledgeBase, lang: str = "uk") -> str:
    parts = []
    for slot, value in answer.answers.items():
        if slot == "doc_type":
            continue
        question = kb.question_for(slot, answer.doc.doc_type)
        if question.type == "number":
            parts.append(_ui(lang, "age", age=value))
        elif slot == "idp":
            parts.append(_ui(lang, "idp_yes" if value else "idp_no"))
        else:
            option = question.option(value)
            if option:
                label = option.label_in(lang)
                parts.append(label[:1].lower() + label[1:])
    return f" — {', '.join(parts)}" if parts else ""


def render_fees(
    kb: KnowledgeBase, doc: DocumentSpec, answers, today: dt.date, urgency: Optional[str] = None, lang: str = "uk"
) -> str:
    sources = _Sources(lang)
    lines = [_fee_text(line, sources) for line in kb.fees(doc.doc_type, answers, today, urgency=urgency)]
    if not lines:
        return _ui(lang, "no_fee", doc=doc.short_title_in(lang))
    title = _ui(lang, "fees_title", doc=doc.short_title_in(lang), date=format_date(today, lang))
    return _join([_section(title, lines), sources.footer()])


def render_processing_times(kb: KnowledgeBase, doc: DocumentSpec, answers, lang: str = "uk") -> str:
    sources = _Sources(lang)
    facts = kb.processing_times(doc.doc_type, answers)
    title = _ui(lang, "terms_title", doc=doc.short_title_in(lang))
    return _join([_section(title, (_fact_text(f, sources) for f in facts)), sources.footer()])


def render_places(kb: KnowledgeBase, doc: DocumentSpec, answers, lang: str = "uk") -> str:
    sources = _Sources(lang)
    facts = kb.places(doc.doc_type, answers)
    title = _ui(lang, "places_title", doc=doc.short_title_in(lang))
    return _join([_section(title, (_fact_text(f, sources) for f in facts)), sources.footer()])


def render_contacts(kb: KnowledgeBase, lang: str = "uk") -> str:
    sources = _Sources(lang)
    return _join(
        [_section(_ui(lang, "contacts_title"), (_fact_text(f, sources) for f in kb.contacts)), sources.footer()]
    )


def render_facts(facts: Sequence[Fact], title: Optional[str] = None, lang: str = "uk") -> str:
    """Any list of facts with the unconfirmed marker and the numbered sources (for other features' answers)."""
    sources = _Sources(lang)
    items = [_fact_text(f, sources) for f in facts]
    body = _section(title, items) if title else "\n".join(items)
    return _join([body, sources.footer()])


def render_preliminary(kb: KnowledgeBase, doc: DocumentSpec, answers, lang: str = "uk") -> Optional[str]:
    """What is certainly needed already, shown while the remaining questions are asked."""
    sources = _Sources(lang)
    facts = kb.certain_checklist(doc.doc_type, answers)
    notices = kb.certain_notices(doc.doc_type, answers)
    if not facts and not notices:
        return None
    title = _ui(lang, "preliminary", doc=doc.short_title_in(lang))
    return _join(
        [
            _section(title, [_fact_text(f, sources) for f in facts], numbered=True),
            _section(_ui(lang, "notice"), [_fact_text(n, sources) for n in notices]),
            sources.footer(),
        ]
    )
