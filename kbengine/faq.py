"""FAQ knowledge (kb/faq/*.yml): loading, validation, placeholders and follow-up buttons, in Ukrainian and English.

The format is fixed in FAQ_SCHEMA (docs/faq.md). Errors name the file, the entry id and the field, like the rest of
`dmsbot kb check`: «kb/faq/children.yml: entry child_x: field answer.en: ...».
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import jsonschema
import yaml

from dmsbot import clock
from kbengine.model import Fact, KnowledgeBase, KnowledgeBaseError, Source
from kbengine.render import fee_inline

LANGUAGES = ("uk", "en")
MAX_ANSWER_CHARS = 700
MIN_QUESTIONS = 5
MAX_FOLLOWUPS = 3
DOC_TYPES = ("id_card", "foreign_passport", "temporary_residence_permit", "permanent_residence_permit")
TOPICS = (
    "children",
    "first_passport",
    "tax_number",
    "unzr",
    "registration",
    "name_change",
    "data_error",
    "lost_stolen",
    "damaged",
    "booklet",
    "diia",
    "e_queue",
    "where_to_apply",
    "fees",
    "payment",
    "photo",
    "refusals",
    "abroad",
    "military",
    "martial_law",
    "idp",
    "occupied",
    "statuses",
    "collection",
    "foreigners",
    "work",
    "study",
    "family",
    "immigration",
    "stateless",
    "referral",
    "general",
)
FOLLOWUP_KINDS = ("faq", "documents", "fee", "term", "place", "consultation")
PLACEHOLDER = re.compile(r"\{(fee|term):([a-z0-9_]+)\.([a-z0-9_]+)\}")
ANY_BRACE = re.compile(r"[{}]")

UNCONFIRMED = {"uk": "За нашими даними (уточніть у ДМС): ", "en": "As far as we know (check with the DMS): "}
SOURCE_LINE = {"uk": "Джерело: {url} — станом на {date}", "en": "Source: {url} — as of {date}"}

# Follow-up button labels; «{doc}» is the document's short name in the reply's language.
FOLLOWUP_LABELS = {
    "documents": {"uk": "📋 Що взяти з собою: {doc}", "en": "📋 What to bring: {doc}"},
    "fee": {"uk": "💳 Скільки коштує: {doc}", "en": "💳 How much it costs: {doc}"},
    "term": {"uk": "⏱ Скільки часу робиться: {doc}", "en": "⏱ How long it takes: {doc}"},
    "place": {"uk": "📍 Де оформити: {doc}", "en": "📍 Where to apply: {doc}"},
    "consultation": {"uk": "🧭 Консультація: {doc}", "en": "🧭 Step-by-step checklist: {doc}"},
}
FOLLOWUP_INTENTS = {
    "documents": "ask_documents",
    "fee": "ask_fee",
    "term": "ask_processing_time",
    "place": "ask_where_to_apply",
    "consultation": "start_consultation",
}
DOC_NAMES = {
    "uk": {
        "id_card": "ID-картка",
        "foreign_passport": "закордонний паспорт",
        "temporary_residence_permit": "посвідка на тимчасове проживання",
        "permanent_residence_permit": "посвідка на постійне проживання",
    },
    "en": {
        "id_card": "ID card",
        "foreign_passport": "passport for travel abroad",
        "temporary_residence_permit": "temporary residence permit",
        "permanent_residence_permit": "permanent residence permit",
    },
}
FAQ_INTENT = "faq"
FAQ_ENTITY = "faq_id"
TITLE_CHARS = 60
# Intents an FAQ entry may hand its questions to (`trains_intent`): actions the bot performs, and the checklist
# engine's fee / term / place / documents answers for a named document (issue 11: those still go there).
ACTION_INTENTS = (
    "ask_fee",
    "ask_processing_time",
    "ask_where_to_apply",
    "ask_documents",
    "contact_human",
    "set_language",
    "track_document",
    "set_expiry_reminder",
    "unsubscribe",
    "my_subscriptions",
    "delete_my_data",
    "help",
)

_SOURCE = {
    "type": "object",
    "required": ["url", "as_of"],
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "pattern": r"^https?://[^\s/]+\.[^\s]+$"},
        "as_of": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    },
}
_TEXT = {"type": "string", "minLength": 3}
ENTRY_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["id", "topics", "questions", "answer", "source"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
        "documents": {"type": "array", "uniqueItems": True, "items": {"enum": list(DOC_TYPES)}},
        "topics": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(TOPICS)}},
        "questions": {"type": "array", "minItems": MIN_QUESTIONS, "items": _TEXT},
        "answer": {
            "type": "object",
            "required": list(LANGUAGES),
            "additionalProperties": False,
            "properties": {lang: _TEXT for lang in LANGUAGES},
        },
        "source": _SOURCE,
        "unconfirmed": {"type": "boolean"},
        # The request is an action the bot performs (connect to a person, switch language, subscribe ...): the
        # questions train that intent, not `faq` (scripts/generate_nlu_data.py); the answer stays for retrieval.
        "trains_intent": {"enum": list(ACTION_INTENTS)},
        "followups": {
            "type": "array",
            "maxItems": MAX_FOLLOWUPS,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": r"^(%s):[a-z0-9_]+$" % "|".join(FOLLOWUP_KINDS)},
        },
    },
}
FILE_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["entries"],
    "additionalProperties": False,
    "properties": {"entries": {"type": "array", "items": {"type": "object"}}},
}


@dataclass(frozen=True)
class FaqEntry:
    id: str
    documents: Tuple[str, ...]
    topics: Tuple[str, ...]
    questions: Tuple[str, ...]
    answer: Dict[str, str]
    source: Source
    unconfirmed: bool
    followups: Tuple[str, ...]
    file: str
    trains_intent: Optional[str] = None

    def __hash__(self) -> int:
        return hash(self.id)

    def title(self, lang: str) -> str:
        """A button label: the first example question written in that language's script."""
        if lang == "en":
            # «Passport.mfa.gov.ua шо вводити туди» counts more Latin words, yet is no English title.
            english = [q for q in self.questions if _is_english(q)]
            wanted = [q for q in english if not CYRILLIC.search(q)] or english
        else:
            wanted = [q for q in self.questions if not _is_english(q)]
        text = (wanted or list(self.questions))[0].strip()
        text = text[0].upper() + text[1:]
        return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class FaqBase:
    entries: Dict[str, FaqEntry]
    # Not errors, but worth an editor's look (`dmsbot kb check` prints them): e.g. one question in two entries.
    notes: Tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: str) -> FaqEntry:
        return self.entries[entry_id]

    def examples(self) -> List[Tuple[str, str]]:
        """(question, entry id) for every example question."""
        return [(q, e.id) for e in self.entries.values() for q in e.questions]

    def answer_words(self) -> Dict[str, str]:
        """Entry id -> both its answers with the fee/term placeholders blanked: what the retriever's BM25 reads
        beside the questions (they name the topic in Ukrainian and English)."""
        return {e.id: PLACEHOLDER.sub(" ", f"{e.answer['uk']} {e.answer['en']}") for e in self.entries.values()}


class _Loader(yaml.SafeLoader):
    """Dates stay ISO strings so the JSON schema checks them (as in kbengine.loader)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _field(error: jsonschema.ValidationError) -> str:
    parts: List[str] = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else ("." if parts else "") + str(part))
    return "".join(parts) or "(entry)"


CYRILLIC = re.compile(r"[А-Яа-яЇїІіЄєҐґЁё]")


def _is_english(text: str) -> bool:
    """More Latin words than Cyrillic ones (English texts may name «ЦНАП» or «Дія»)."""
    latin = len(re.findall(r"(?<![\w'])[A-Za-z][A-Za-z'’-]*", text))
    cyrillic = len(re.findall(r"[А-Яа-яЇїІіЄєҐґЁёЪъЫыЭэ'’ʼ-]*[А-Яа-яЇїІіЄєҐґЁёЪъЫыЭэ]+", text))
    return latin > cyrillic


def question_key(text: str) -> str:
    """Normalised form for duplicate checks (case, apostrophes, spaces, end punctuation)."""
    text = re.sub(r"[’ʼ`´‘]", "'", text.lower())
    return re.sub(r"\s+", " ", text).strip().rstrip("?.!…")


class _EntryChecker:
    def __init__(self, path: Path, entry_id: str, kb: Optional[KnowledgeBase]) -> None:
        self.where = f"{path}: entry {entry_id}"
        self.kb = kb

    def fail(self, field: str, message: str) -> None:
        raise KnowledgeBaseError(f"{self.where}: field {field}: {message}")

    def placeholders(self, text: str, field: str) -> None:
        rest = PLACEHOLDER.sub("", text)
        if ANY_BRACE.search(rest):
            self.fail(field, "unknown placeholder; use {fee:<doc_type>.<fee_id>} or {term:<doc_type>.<id>}")
        if self.kb is None:
            return
        for kind, doc_type, item in PLACEHOLDER.findall(text):
            doc = self.kb.documents.get(doc_type)
            if doc is None:
                self.fail(field, f"{{{kind}:{doc_type}.{item}}}: unknown document {doc_type!r}")
            ids = [f.id for f in doc.fees] if kind == "fee" else [f.id for f in doc.processing_times]
            if item not in ids:
                self.fail(
                    field,
                    f"{{{kind}:{doc_type}.{item}}}: no {kind} {item!r} in kb/documents/{doc_type}.yml "
                    f"(known: {', '.join(ids)})",
                )


def _read_file(path: Path) -> List[Dict[str, Any]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: not valid YAML: {exc}") from exc
    errors = list(jsonschema.Draft7Validator(FILE_SCHEMA).iter_errors(data))
    if errors:
        raise KnowledgeBaseError(f"{path}: field {_field(errors[0])}: {errors[0].message}")
    return data["entries"]


def _entry(raw: Dict[str, Any], index: int, path: Path, kb: Optional[KnowledgeBase]) -> FaqEntry:
    entry_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
    check = _EntryChecker(path, entry_id, kb)
    validator = jsonschema.Draft7Validator(ENTRY_SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        check.fail(_field(errors[0]), errors[0].message)
    try:
        as_of = dt.date.fromisoformat(raw["source"]["as_of"])
    except ValueError:
        check.fail("source.as_of", f"{raw['source']['as_of']!r} is not a date (YYYY-MM-DD)")
    for lang in LANGUAGES:
        check.placeholders(raw["answer"][lang], f"answer.{lang}")
    if not _is_english(PLACEHOLDER.sub("", raw["answer"]["en"])):
        check.fail("answer.en", "is not written in English")
    if _is_english(raw["answer"]["uk"]):
        check.fail("answer.uk", "is not written in Ukrainian")
    keys = [question_key(q) for q in raw["questions"]]
    if len(set(keys)) != len(keys):
        check.fail("questions", "the same question is listed twice")
    if not any(_is_english(q) for q in raw["questions"]):
        check.fail("questions", "add at least one English question")
    for i, item in enumerate(raw.get("followups", [])):
        kind, target = item.split(":", 1)
        if kind != "faq" and target not in DOC_TYPES:
            check.fail(f"followups[{i}]", f"{target!r} is not a document ({', '.join(DOC_TYPES)})")
    return FaqEntry(
        id=raw["id"],
        documents=tuple(raw.get("documents", ())),
        topics=tuple(raw["topics"]),
        questions=tuple(q.strip() for q in raw["questions"]),
        answer={lang: " ".join(raw["answer"][lang].split()) for lang in LANGUAGES},
        source=Source(url=raw["source"]["url"], as_of=as_of),
        unconfirmed=raw.get("unconfirmed", False),
        followups=tuple(raw.get("followups", ())),
        file=str(path),
        trains_intent=raw.get("trains_intent"),
    )


def faq_dir(kb_dir: Optional[Path] = None) -> Path:
    from kbengine.loader import DEFAULT_KB_DIR

    return Path(kb_dir or DEFAULT_KB_DIR) / "faq"


def load_faq(
    kb_dir: Optional[Path] = None, kb: Optional[KnowledgeBase] = None, today: Optional[dt.date] = None
) -> FaqBase:
    """Load and validate kb/faq/*.yml; raises KnowledgeBaseError naming the file, the entry and the field.

    With `kb` the placeholders and document references are checked against kb/documents, and every answer is
    expanded for `today` to check its length.
    """
    entries: Dict[str, FaqEntry] = {}
    seen_questions: Dict[str, str] = {}
    notes: List[str] = []
    for path in sorted(faq_dir(kb_dir).glob("*.yml")):
        for index, raw in enumerate(_read_file(path)):
            entry = _entry(raw, index, path, kb)
            if entry.id in entries:
                raise KnowledgeBaseError(
                    f"{path}: entry {entry.id}: field id: duplicate id, also in {entries[entry.id].file}"
                )
            for question in entry.questions:
                other = seen_questions.setdefault(question_key(question), entry.id)
                if other != entry.id:
                    notes.append(
                        f"{path}: entry {entry.id}: field questions: {question!r} is also a question of "
                        f"entry {other}; the retriever cannot tell them apart by it"
                    )
            entries[entry.id] = entry
    for entry in entries.values():
        for i, item in enumerate(entry.followups):
            kind, target = item.split(":", 1)
            if kind == "faq" and target not in entries:
                raise KnowledgeBaseError(
                    f"{entry.file}: entry {entry.id}: field followups[{i}]: no FAQ entry {target!r}"
                )
        if kb is not None:
            for lang in LANGUAGES:
                text = expand(entry.answer[lang], kb, lang, today or clock.today())[0]
                if len(text) > MAX_ANSWER_CHARS:
                    raise KnowledgeBaseError(
                        f"{entry.file}: entry {entry.id}: field answer.{lang}: {len(text)} characters after the "
                        f"placeholders are filled in (at most {MAX_ANSWER_CHARS})"
                    )
    return FaqBase(entries, tuple(notes))


@functools.lru_cache(maxsize=4)
def cached_faq(kb_dir: Optional[str] = None) -> FaqBase:
    from kbengine.loader import cached_knowledge_base

    return load_faq(Path(kb_dir) if kb_dir else None, cached_knowledge_base(kb_dir))


# --- rendering -----------------------------------------------------------------------------------------------


def expand(text: str, kb: KnowledgeBase, lang: str, today: dt.date) -> Tuple[str, List[Source]]:
    """Fills {fee:...} with the amount in force on `today` and {term:...} with the processing-time text."""
    sources: List[Source] = []

    def replace(match: "re.Match[str]") -> str:
        kind, doc_type, item = match.groups()
        doc = kb.document(doc_type)
        if kind == "fee":
            fee = next(f for f in doc.fees if f.id == item)
            entry = fee.in_force(today) or fee.schedule[0]
            sources.append(entry.source)
            # The day the price is quoted from, and «за нашими даними» when unconfirmed (issue 10).
            return fee_inline(fee, entry, lang)
        fact: Fact = next(f for f in doc.processing_times if f.id == item)
        sources.append(fact.source)
        return fact.text_in(lang).rstrip(".")

    return PLACEHOLDER.sub(replace, text), sources


def format_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def render_answer(entry: FaqEntry, kb: KnowledgeBase, lang: str, today: dt.date) -> str:
    """The answer in `lang` with today's fees, the unconfirmed prefix and the source line(s) with dates."""
    lang = lang if lang in LANGUAGES else "uk"
    text, extra = expand(entry.answer[lang], kb, lang, today)
    if entry.unconfirmed:
        text = UNCONFIRMED[lang] + text
    lines = [text, ""]
    for source in dict.fromkeys([entry.source, *extra]):
        lines.append(SOURCE_LINE[lang].format(url=source.url, date=format_date(source.as_of)))
    return "\n".join(lines)


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def faq_payload(entry_id: str) -> str:
    return _payload(FAQ_INTENT, **{FAQ_ENTITY: entry_id})


def followup_buttons(entry: FaqEntry, faq: FaqBase, lang: str) -> List[Dict[str, str]]:
    lang = lang if lang in LANGUAGES else "uk"
    buttons = []
    for item in entry.followups:
        kind, target = item.split(":", 1)
        if kind == "faq":
            buttons.append({"title": "❓ " + faq.entry(target).title(lang), "payload": faq_payload(target)})
        else:
            title = FOLLOWUP_LABELS[kind][lang].format(doc=DOC_NAMES[lang][target])
            buttons.append({"title": title, "payload": _payload(FOLLOWUP_INTENTS[kind], doc_type=target)})
    return buttons


def entry_buttons(entry_ids: Iterable[str], faq: FaqBase, lang: str) -> List[Dict[str, str]]:
    """«Did you mean» buttons: one per entry, labelled with its first question in `lang`."""
    return [{"title": faq.entry(i).title(lang), "payload": faq_payload(i)} for i in entry_ids]
