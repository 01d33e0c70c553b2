"""Loads kb/*.yml, validates it against kbengine.schema and cross-checks references."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import jsonschema
import yaml

from kbengine import schema
from kbengine.model import (
    Condition,
    DocQuestion,
    DocumentSpec,
    Fact,
    Fee,
    FeeEntry,
    KnowledgeBase,
    KnowledgeBaseError,
    Option,
    Question,
    Source,
)

DEFAULT_KB_DIR = Path(__file__).resolve().parent.parent / "kb"


class _DateLoader(yaml.SafeLoader):
    """Keeps dates as ISO strings so the JSON schema can check them."""


_DateLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _path_of(error: jsonschema.ValidationError) -> str:
    parts: List[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


def _read(path: Path, file_schema: Dict[str, Any]) -> Dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DateLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: not valid YAML: {exc}") from exc
    validator = jsonschema.Draft7Validator(file_schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        message = error.message
        if error.validator in ("oneOf", "anyOf") and error.context:
            message = "; ".join(sorted({c.message for c in error.context}))
        raise KnowledgeBaseError(f"{path}: field {_path_of(error)}: {message}")
    return data


def _date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise KnowledgeBaseError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


class _Checker:
    """Cross-reference checks that a JSON schema cannot express."""

    def __init__(self, path: Path, questions: Dict[str, Question]):
        self.path = path
        self.questions = questions

    def fail(self, field: str, message: str) -> None:
        raise KnowledgeBaseError(f"{self.path}: field {field}: {message}")

    def condition(self, raw: Dict[str, Any], field: str) -> Condition:
        clauses = []
        alternatives = []
        if "when" in raw:
            alternatives.append((raw["when"], f"{field}.when"))
        for i, clause in enumerate(raw.get("when_any", [])):
            alternatives.append((clause, f"{field}.when_any[{i}]"))
        if "when" in raw and "when_any" in raw:
            self.fail(field, "use either `when` or `when_any`, not both")
        for clause, where in alternatives:
            items = []
            for slot, expected in clause.items():
                question = self.questions.get(slot)
                if question is None:
                    self.fail(f"{where}.{slot}", f"unknown question slot {slot!r} (see kb/questions.yml)")
                if isinstance(expected, dict):
                    if question.type != "number":
                        self.fail(f"{where}.{slot}", "a {min, max} range only applies to number questions")
                else:
                    if question.type == "number":
                        self.fail(f"{where}.{slot}", "a number question needs a {min, max} range")
                    valid = {o.value for o in question.options}
                    for value in expected:
                        if value not in valid:
                            self.fail(f"{where}.{slot}", f"{value!r} is not an answer option of {slot!r}")
                    expected = tuple(expected)
                items.append((slot, expected))
            clauses.append(tuple(items))
        return Condition(tuple(clauses))

    def source(self, raw: Dict[str, Any], field: str) -> Source:
        return Source(url=raw["url"], as_of=_date(raw["as_of"], f"{self.path}: field {field}.as_of"))

    def facts(self, items: Iterable[Dict[str, Any]], field: str) -> Tuple[Fact, ...]:
        seen = set()
        result = []
        for i, raw in enumerate(items):
            where = f"{field}[{i}]"
            if raw["id"] in seen:
                self.fail(f"{where}.id", f"duplicate id {raw['id']!r}")
            seen.add(raw["id"])
            result.append(
                Fact(
                    id=raw["id"],
                    text=raw["text"].strip(),
                    source=self.source(raw["source"], f"{where}.source"),
                    unconfirmed=raw.get("unconfirmed", False),
                    condition=self.condition(raw, where),
                    stop=raw.get("stop", False),
                    text_en=raw.get("text_en", "").strip(),
                )
            )
        return tuple(result)


def _questions(path: Path) -> Dict[str, Question]:
    data = _read(path, schema.QUESTIONS)
    questions = {}
    for slot, raw in data["questions"].items():
        if raw["type"] in ("choice", "boolean") and not raw.get("options"):
            raise KnowledgeBaseError(f"{path}: field questions.{slot}.options: a {raw['type']} question needs options")
        options = tuple(
            Option(
                value=o["value"],
                label=o["label"],
                keywords=tuple(o.get("keywords", ())),
                label_en=o.get("label_en", ""),
            )
            for o in raw.get("options", ())
        )
        questions[slot] = Question(
            slot,
            raw["type"],
            raw["prompt"].strip(),
            options,
            raw.get("min"),
            raw.get("max"),
            prompt_en=raw.get("prompt_en", "").strip(),
        )
    if "doc_type" not in questions:
        raise KnowledgeBaseError(f"{path}: field questions.doc_type: the document question is required")
    return questions


def _document(path: Path, questions: Dict[str, Question]) -> DocumentSpec:
    data = _read(path, schema.DOCUMENT)
    check = _Checker(path, questions)
    doc_type = data["doc_type"]
    if doc_type != path.stem:
        check.fail("doc_type", f"{doc_type!r} must match the file name {path.stem!r}")
    if doc_type not in {o.value for o in questions["doc_type"].options}:
        check.fail("doc_type", f"{doc_type!r} is not an option of the doc_type question")
    doc_questions = []
    for i, raw in enumerate(data["questions"]):
        slot = raw["slot"]
        if slot not in questions or slot == "doc_type":
            check.fail(f"questions[{i}].slot", f"unknown question slot {slot!r}")
        if raw.get("options"):
            valid = {o.value for o in questions[slot].options}
            for value in raw["options"]:
                if value not in valid:
                    check.fail(f"questions[{i}].options", f"{value!r} is not an answer option of {slot!r}")
        doc_questions.append(
            DocQuestion(
                slot, tuple(raw["options"]) if raw.get("options") else None, check.condition(raw, f"questions[{i}]")
            )
        )
    fees = []
    for i, raw in enumerate(data["fees"]):
        where = f"fees[{i}]"
        entries = []
        dates = set()
        for j, e in enumerate(raw["schedule"]):
            date_field = "effective_from" if "effective_from" in e else "reported_on"
            effective = _date(e[date_field], f"{path}: field {where}.schedule[{j}].{date_field}")
            if effective in dates:
                check.fail(f"{where}.schedule[{j}].{date_field}", f"two prices start on {effective}")
            dates.add(effective)
            parts = tuple((p["part"], p["amount_uah"]) for p in e.get("parts", ()))
            if parts and sum(a for _, a in parts) != e.get("amount_uah"):
                check.fail(
                    f"{where}.schedule[{j}].parts",
                    f"the parts add up to {sum(a for _, a in parts)}, not {e.get('amount_uah')}",
                )
            entries.append(
                FeeEntry(
                    effective_from=effective,
                    source=check.source(e["source"], f"{where}.schedule[{j}].source"),
                    amount_uah=e.get("amount_uah"),
                    amount_usd=e.get("amount_usd"),
                    term=e.get("term"),
                    term_unconfirmed=e.get("term_unconfirmed", False),
                    unconfirmed=e.get("unconfirmed", False),
                    term_en=e.get("term_en"),
                    reported=date_field == "reported_on",
                    parts=parts,
                )
            )
        fees.append(
            Fee(
                id=raw["id"],
                label=raw["label"],
                urgency=raw["urgency"],
                schedule=tuple(entries),
                condition=check.condition(raw, where),
                unconfirmed=raw.get("unconfirmed", False),
                note=raw.get("note"),
                term=raw.get("term"),
                label_en=raw.get("label_en", ""),
                note_en=raw.get("note_en"),
                term_en=raw.get("term_en"),
            )
        )
    return DocumentSpec(
        doc_type=doc_type,
        title=data["title"],
        short_title=data["short_title"],
        questions=tuple(doc_questions),
        checklist=check.facts(data["checklist"], "checklist"),
        notices=check.facts(data.get("notices", []), "notices"),
        fees=tuple(fees),
        processing_times=check.facts(data["processing_times"], "processing_times"),
        places=check.facts(data["places"], "places"),
        age_buttons=tuple((b["label"], b["value"]) for b in data.get("age_buttons", [])),
        title_en=data.get("title_en", ""),
        short_title_en=data.get("short_title_en", ""),
        age_buttons_en=tuple((b.get("label_en") or b["label"], b["value"]) for b in data.get("age_buttons", [])),
    )


def load_knowledge_base(kb_dir: Optional[Path] = None) -> KnowledgeBase:
    """Load and validate every file; raises KnowledgeBaseError naming the file and the field."""
    kb_dir = Path(kb_dir or DEFAULT_KB_DIR)
    questions = _questions(kb_dir / "questions.yml")
    documents = {}
    for path in sorted((kb_dir / "documents").glob("*.yml")):
        doc = _document(path, questions)
        documents[doc.doc_type] = doc
    missing = {o.value for o in questions["doc_type"].options} - set(documents)
    if missing:
        raise KnowledgeBaseError(f"{kb_dir / 'documents'}: no file for doc_type {sorted(missing)}")
    contacts_path = kb_dir / "contacts.yml"
    contacts = _Checker(contacts_path, questions).facts(_read(contacts_path, schema.CONTACTS)["contacts"], "contacts")
    return KnowledgeBase(questions=questions, documents=documents, contacts=contacts)


@functools.lru_cache(maxsize=4)
def cached_knowledge_base(kb_dir: Optional[str] = None) -> KnowledgeBase:
    """One parsed knowledge base per process (the action server reads it once)."""
    return load_knowledge_base(Path(kb_dir) if kb_dir else None)
