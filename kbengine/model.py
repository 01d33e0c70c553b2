"""Knowledge-base objects and the checklist engine (pure functions of the answers and the date)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

Answers = Mapping[str, Any]

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"


def language(lang: Optional[str]) -> str:
    """A supported language code; anything else falls back to Ukrainian."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def localized(obj: Any, name: str, lang: Optional[str] = DEFAULT_LANGUAGE) -> Any:
    """`obj.<name>` in Ukrainian, `obj.<name>_en` in English (Ukrainian when no English is given)."""
    if language(lang) != DEFAULT_LANGUAGE:
        value = getattr(obj, f"{name}_{lang}", None)
        if value:
            return value
    return getattr(obj, name)


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Condition:
    """OR of AND-clauses; each clause maps a slot to allowed values or a numeric range."""

    clauses: Tuple[Tuple[Tuple[str, Any], ...], ...] = ()

    @property
    def slots(self) -> List[str]:
        return sorted({slot for clause in self.clauses for slot, _ in clause})

    def matches(self, answers: Answers, partial: bool = False) -> bool:
        """`partial=True` treats an unanswered slot as a possible match (for answers given before all questions)."""
        if not self.clauses:
            return True
        return any(self._clause_matches(clause, answers, partial) for clause in self.clauses)

    @staticmethod
    def _clause_matches(clause, answers: Answers, partial: bool) -> bool:
        for slot, expected in clause:
            value = answers.get(slot)
            if value is None:
                if partial:
                    continue
                return False
            if isinstance(expected, dict):
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    return False
                if "min" in expected and number < expected["min"]:
                    return False
                if "max" in expected and number > expected["max"]:
                    return False
            elif value not in expected:
                return False
        return True


@dataclass(frozen=True)
class Source:
    url: str
    as_of: dt.date


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    source: Source
    unconfirmed: bool = False
    condition: Condition = Condition()
    stop: bool = False
    text_en: str = ""

    def text_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "text", lang)


@dataclass(frozen=True)
class Option:
    value: Any
    label: str
    keywords: Tuple[str, ...] = ()
    label_en: str = ""

    def label_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "label", lang)


@dataclass(frozen=True)
class Question:
    slot: str
    type: str
    prompt: str
    options: Tuple[Option, ...] = ()
    min: Optional[int] = None
    max: Optional[int] = None
    prompt_en: str = ""

    def prompt_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "prompt", lang)

    def option(self, value: Any) -> Optional[Option]:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class DocQuestion:
    slot: str
    options: Optional[Tuple[str, ...]]
    condition: Condition


# Parts of a fee as printed on a receipt; render.py names them in each language.
FEE_PARTS = ("service", "blank", "state_duty", "admin_fee")


@dataclass(frozen=True)
class FeeEntry:
    """One price. `effective_from` is the day the source says it took effect; when the source gives no such day,
    `reported` is true and the date is the publication's date (the price was in force at least from then)."""

    effective_from: dt.date
    source: Source
    amount_uah: Optional[int] = None
    amount_usd: Optional[int] = None
    term: Optional[str] = None
    term_unconfirmed: bool = False
    unconfirmed: bool = False
    term_en: Optional[str] = None
    reported: bool = False
    parts: Tuple[Tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Fee:
    id: str
    label: str
    urgency: str
    schedule: Tuple[FeeEntry, ...]
    condition: Condition = Condition()
    unconfirmed: bool = False
    note: Optional[str] = None
    term: Optional[str] = None
    label_en: str = ""
    note_en: Optional[str] = None
    term_en: Optional[str] = None

    def in_force(self, today: dt.date) -> Optional[FeeEntry]:
        current = [e for e in self.schedule if e.effective_from <= today]
        return max(current, key=lambda e: e.effective_from) if current else None


@dataclass(frozen=True)
class FeeLine:
    """A fee as quoted on a given day."""

    fee_id: str
    label: str
    urgency: str
    amount_uah: Optional[int]
    amount_usd: Optional[int]
    term: Optional[str]
    term_unconfirmed: bool
    unconfirmed: bool
    note: Optional[str]
    effective_from: dt.date
    source: Source
    label_en: str = ""
    note_en: Optional[str] = None
    term_en: Optional[str] = None
    reported: bool = False
    parts: Tuple[Tuple[str, int], ...] = ()

    def label_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "label", lang)

    def note_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> Optional[str]:
        return localized(self, "note", lang)

    def term_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> Optional[str]:
        return localized(self, "term", lang)


@dataclass(frozen=True)
class DocumentSpec:
    doc_type: str
    title: str
    short_title: str
    questions: Tuple[DocQuestion, ...]
    checklist: Tuple[Fact, ...]
    notices: Tuple[Fact, ...]
    fees: Tuple[Fee, ...]
    processing_times: Tuple[Fact, ...]
    places: Tuple[Fact, ...]
    age_buttons: Tuple[Tuple[str, int], ...] = ()
    title_en: str = ""
    short_title_en: str = ""
    age_buttons_en: Tuple[Tuple[str, int], ...] = ()

    def title_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "title", lang)

    def short_title_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> str:
        return localized(self, "short_title", lang)

    def age_buttons_in(self, lang: Optional[str] = DEFAULT_LANGUAGE) -> Tuple[Tuple[str, int], ...]:
        return localized(self, "age_buttons", lang)


@dataclass
class Answer:
    """What the bot tells the user for one document and one set of answers."""

    doc: DocumentSpec
    answers: Dict[str, Any]
    today: dt.date
    checklist: List[Fact] = field(default_factory=list)
    notices: List[Fact] = field(default_factory=list)
    fees: List[FeeLine] = field(default_factory=list)
    processing_times: List[Fact] = field(default_factory=list)
    places: List[Fact] = field(default_factory=list)
    stopped: bool = False


def _select(facts: Sequence[Fact], answers: Answers, partial: bool) -> List[Fact]:
    return [f for f in facts if f.condition.matches(answers, partial)]


@dataclass
class KnowledgeBase:
    questions: Dict[str, Question]
    documents: Dict[str, DocumentSpec]
    contacts: Tuple[Fact, ...]

    # -- questions -------------------------------------------------------------------------------------------
    @property
    def doc_types(self) -> List[str]:
        return list(self.documents)

    def document(self, doc_type: str) -> DocumentSpec:
        try:
            return self.documents[doc_type]
        except KeyError:
            raise KeyError(f"unknown doc_type {doc_type!r}") from None

    def question_for(self, slot: str, doc_type: Optional[str] = None) -> Question:
        """The question with the answer options that apply to this document."""
        question = self.questions[slot]
        if doc_type in self.documents:
            for dq in self.documents[doc_type].questions:
                if dq.slot == slot and dq.options:
                    allowed = [o for o in question.options if o.value in dq.options]
                    return dataclasses.replace(question, options=tuple(allowed))
        return question

    def required_slots(self, doc_type: Optional[str], answers: Answers) -> List[str]:
        """Slots to ask, in order: only those whose conditions hold for the answers so far."""
        if doc_type not in self.documents:
            return ["doc_type"]
        doc = self.documents[doc_type]
        slots = ["doc_type"]
        for dq in doc.questions:
            if dq.condition.matches(answers):
                slots.append(dq.slot)
        if any(n.stop and n.condition.matches(answers) for n in doc.notices):
            # The answer is already known (e.g. no ID-card before 14): ask nothing more.
            return [s for s in slots if answers.get(s) is not None or s == "doc_type"]
        return slots

    def missing_slots(self, doc_type: Optional[str], answers: Answers) -> List[str]:
        merged = dict(answers)
        merged["doc_type"] = doc_type
        return [s for s in self.required_slots(doc_type, merged) if merged.get(s) is None]

    def relevant_answers(self, doc_type: str, answers: Answers) -> Dict[str, Any]:
        """Drop answers to questions that do not apply (e.g. an age given for a document that never asks it)."""
        slots = set(self.required_slots(doc_type, answers))
        return {k: v for k, v in answers.items() if k in slots and v is not None}

    # -- composition -----------------------------------------------------------------------------------------
    def compose(self, doc_type: str, answers: Answers, today: dt.date) -> Answer:
        """The full consultation answer; call it once every required slot is answered."""
        doc = self.document(doc_type)
        answers = self.relevant_answers(doc_type, {**answers, "doc_type": doc_type})
        result = Answer(doc=doc, answers=answers, today=today)
        result.notices = _select(doc.notices, answers, partial=False)
        result.stopped = any(n.stop for n in result.notices)
        if result.stopped:
            result.notices = [n for n in result.notices if n.stop]
            return result
        result.checklist = _select(doc.checklist, answers, partial=False)
        result.fees = self.fees(doc_type, answers, today, partial=False)
        result.processing_times = _select(doc.processing_times, answers, partial=False)
        result.places = _select(doc.places, answers, partial=False)
        return result

    def certain_checklist(self, doc_type: str, answers: Answers) -> List[Fact]:
        """Items needed whatever the remaining answers are (conditions only ever add items)."""
        answers = self.relevant_answers(doc_type, {**answers, "doc_type": doc_type})
        return _select(self.document(doc_type).checklist, answers, partial=False)

    def certain_notices(self, doc_type: str, answers: Answers) -> List[Fact]:
        """Notices the answers so far already decide (e.g. men 18–60 abroad); unconditional ones wait for the end."""
        answers = self.relevant_answers(doc_type, {**answers, "doc_type": doc_type})
        return [n for n in self.document(doc_type).notices if n.condition.clauses and n.condition.matches(answers)]

    def fees(
        self,
        doc_type: str,
        answers: Answers,
        today: dt.date,
        urgency: Optional[str] = None,
        partial: bool = True,
    ) -> List[FeeLine]:
        """Fees in force on `today`; with `partial`, every fee that may apply given what is known."""
        lines: List[FeeLine] = []
        for fee in self.document(doc_type).fees:
            if not fee.condition.matches(answers, partial):
                continue
            if urgency and fee.urgency not in (urgency, "any"):
                continue
            if urgency and fee.urgency == "any" and not fee.condition.matches(answers):
                # «а якщо терміново?»: the urgent price, not a duty that applies only after a loss nobody mentioned.
                continue
            entry = fee.in_force(today)
            if entry is None:
                continue
            lines.append(
                FeeLine(
                    fee_id=fee.id,
                    label=fee.label,
                    urgency=fee.urgency,
                    amount_uah=entry.amount_uah,
                    amount_usd=entry.amount_usd,
                    term=entry.term or fee.term,
                    term_unconfirmed=entry.term_unconfirmed,
                    unconfirmed=fee.unconfirmed or entry.unconfirmed,
                    note=fee.note,
                    effective_from=entry.effective_from,
                    source=entry.source,
                    label_en=fee.label_en,
                    note_en=fee.note_en,
                    term_en=(entry.term_en if entry.term else fee.term_en),
                    reported=entry.reported,
                    parts=entry.parts,
                )
            )
        return lines

    def processing_times(self, doc_type: str, answers: Answers) -> List[Fact]:
        return _select(self.document(doc_type).processing_times, answers, partial=True)

    def places(self, doc_type: str, answers: Answers) -> List[Fact]:
        return _select(self.document(doc_type).places, answers, partial=True)
