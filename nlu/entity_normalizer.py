"""Turns extracted entities into the contract's canonical values.

Runs after DIET and EntitySynonymMapper:
- synonyms keyed by pymorphy3 lemmas, so one synonym covers every case form
  («закордонку», «закордонного», «закордонним» → foreign_passport);
- `age` as digits («п'ять» → "5", «15 р.» → "15"), also found by rule when DIET missed it;
- `document_number` found by pattern and canonicalised («кв 123456» / «KB123456» → «КВ123456»);
- `idp` → "true" ("false" when negated: «я не ВПО»).
Values that cannot be resolved are dropped rather than passed to a form as junk.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.canonical import CANONICAL_VALUES
from nlu.faq_decision import bare_passport, goes_abroad
from textnorm import (
    canonical_document_number,
    default_lemmatizer,
    find_document_numbers,
    number_word_value,
    parse_number,
    phrase_lemma_key,
)

logger = logging.getLogger(__name__)

NAME = "EntityNormalizer"
_NEGATIONS = {"не", "ні", "нет", "not", "no", "ніякий", "никакой"}
# Lemmas after which a number is an age («мені 15», «сину чотирнадцять», «I am 30»).
_AGE_BEFORE = {
    "мен",
    "мені",
    "я",
    "мне",
    "дитина",
    "дитині",
    "син",
    "сину",
    "синові",
    "донька",
    "доньці",
    "дочка",
    "дочці",
    "дочь",
    "дочери",
    "сын",
    "сыну",
    "ребенок",
    "ребёнок",
    "am",
    "age",
    "вік",
    "возраст",
    "дитинi",
    "малий",
    "онук",
    "онука",
    "внук",
    "внучка",
}
# Lemmas before which a number is an age («15 років», «15 р.», «17 лет», «5 years»).
_AGE_AFTER = {"рік", "роки", "років", "р", "год", "лет", "лето", "year", "рочок", "річний", "y.o", "yo"}


_PLACE_ENTITIES = frozenset({"location", "passport_issued_in"})
# «йому 3 місяці», "my son is 5 months": a baby's age in months or weeks is 0 years (not 3, not no age at all).
_IN_MONTHS = re.compile(
    r"^\s*(місяц\w*|месяц\w*|міс\.?|мес\.?|months?|тиж\w*|недел\w*|weeks?)(?!\w)(?!\s+(тому|назад|ago)\b)",
    re.IGNORECASE,
)
# Words before a number of months that say whose age it is («йому», «малому», «їй»), besides _AGE_BEFORE.
_BABY_BEFORE = {"він", "вона", "он", "она", "малий", "малюк", "немовля", "малыш", "младенец", "baby", "son", "daughter"}


# "we married 3 years ago", «живу тут 6 років»: a number of years that is how long ago or how long, not an age.
_AGO_AFTER = re.compile(r"^\s*(years?|yrs|рок\w*|р\.?|лет|года?)?\s*(ago|тому|назад)\b", re.IGNORECASE)
_DURATION_BEFORE = re.compile(
    r"\b(marr\w*|wed|live[ds]?|living|stay\w*|одружен\w*|шлюб\w*|браке?|женат\w*|"
    r"замужем|живу|живемо|живем|живёт|живе|проживаю|проживаємо|проживаем|стаж\w*)"
    r"(\W+\w+){0,3}\W*$",
    re.IGNORECASE,
)


def _a_duration(text: Text, entity: Dict[Text, Any]) -> bool:
    """An `age` that is a span of time («3 роки тому», "living here 6 years")."""
    if entity.get("entity") != "age" or "start" not in entity:
        return False
    before, after = text[: entity["start"]], text[entity["end"] :]
    last = re.findall(r"\w+", before.lower())[-1:]
    if last and last[0] in _AGE_BEFORE:
        return False  # «одружена, мені 30»: the age is said outright
    return bool(_AGO_AFTER.match(after) or _DURATION_BEFORE.search(before))


# «я в польщі мені 40 хочу загран»: the tagger's «where the passport was issued» said where the person is.
_PRESENCE_BEFORE = re.compile(
    r"((^|\W)(я|ми|мы|i|we)(\s+(зараз|сейчас|now|тепер|теперь))?|i'm|i am|we're|we are|живу|живемо|живем|живём|"
    r"проживаю|перебуваю|перебуваємо|нахожусь|находимся|living|live|staying|based)\s+((в|у|во|in)\s+)?$",
    re.IGNORECASE,
)
_ISSUE_WORDS = re.compile(r"видан|выдан|issued|оформлял|оформлюв|отриман|получен|зроблен|сделан", re.IGNORECASE)


def _where_one_is(text: Text, entity: Dict[Text, Any]) -> bool:
    """A `passport_issued_in` that says where the person is («я в польщі»), not where a passport was issued."""
    if entity.get("entity") != "passport_issued_in" or entity.get("value") not in ("abroad", "ukraine"):
        return False
    if "start" not in entity or _ISSUE_WORDS.search(text):
        return False
    return bool(_PRESENCE_BEFORE.search(text[max(0, entity["start"] - 30) : entity["start"]]))


def _a_direction(text: Text, entity: Dict[Text, Any]) -> bool:
    """A place entity that only says where someone is going («їдемо за кордон»; nlu.faq_decision.goes_abroad)."""
    if entity.get("entity") not in _PLACE_ENTITIES or "start" not in entity:
        return False
    return goes_abroad(text, entity["start"], entity["end"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityNormalizer(GraphComponent, EntityExtractorMixin):
    FILENAME = "lemma_synonyms.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Find `document_number` by pattern (more reliable than the statistical tagger).
            "document_number_patterns": True,
            # Add `age` by rule when the tagger missed it.
            "age_rules": True,
            # Drop entities whose value is not canonical and has no known synonym.
            "drop_unresolved": True,
            # Entity types also found by their known phrases (lemma match) when the tagger missed them.
            "gazetteer_entities": ["reason", "passport_issued_in", "residence_ground", "location", "urgency"],
            # ... only for these intents (a consultation topic, its start or a bare answer: «я в Польщі, хочу
            # закордонний у консульстві» says where, so the consultation need not ask) ...
            "gazetteer_intents": [
                "inform",
                "ask_documents",
                "ask_fee",
                "ask_processing_time",
                "ask_where_to_apply",
                "start_consultation",
            ],
            # ... and `doc_type` also for these (the document named by a bare «паспорт»).
            "doc_type_gazetteer_intents": [
                "inform",
                "ask_documents",
                "ask_fee",
                "ask_processing_time",
                "ask_where_to_apply",
                "track_document",
                "set_expiry_reminder",
            ],
            # ... and for these only a document named by its kind, never a bare «паспорт»: the routing needs the
            # document to send "cost of an adult zagran in Ukraine?" (DIET: faq, tagging nothing) to the checklist.
            "named_doc_type_gazetteer_intents": ["faq", "out_of_scope", "nlu_fallback"],
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        table: Optional[Dict[Text, Dict[Text, Text]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._table: Dict[Text, Dict[Text, Text]] = table or {}
        self._lemmatizer = default_lemmatizer()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EntityNormalizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "EntityNormalizer":
        table = None
        try:
            with model_storage.read_from(resource) as storage:
                path = storage / cls.FILENAME
                if path.is_file():
                    table = rasa.shared.utils.io.read_json_file(path)
        except ValueError:
            logger.debug("No stored lemma synonyms for %s.", resource.name)
        return cls(config, model_storage, resource, table)

    # ------------------------------------------------------------------ training
    def _add(self, entity: Text, text: Text, value: Text) -> None:
        key = phrase_lemma_key(text, self._lemmatizer)
        if not key:
            return
        slot = self._table.setdefault(entity, {})
        if key in slot and slot[key] != value:
            logger.warning("Lemma key %r of %s maps to %r and %r.", key, entity, slot[key], value)
            return
        slot[key] = value

    def train(self, training_data: TrainingData) -> Resource:
        self._table = {}
        entity_of_value: Dict[Text, Text] = {}
        for example in training_data.entity_examples:
            for ent in example.get(ENTITIES, []):
                value = str(ent.get("value"))
                if ent["entity"] in CANONICAL_VALUES and value in CANONICAL_VALUES[ent["entity"]]:
                    self._add(ent["entity"], example.get(TEXT)[ent["start"] : ent["end"]], value)
                    entity_of_value.setdefault(value, ent["entity"])
        for text, value in training_data.entity_synonyms.items():
            for entity, values in CANONICAL_VALUES.items():
                if value in values:
                    self._add(entity, text, value)
        with self._model_storage.write_to(self._resource) as storage:
            rasa.shared.utils.io.dump_obj_as_json_to_file(storage / self.FILENAME, self._table)
        return self._resource

    # ------------------------------------------------------------------ inference
    def resolve(self, entity: Text, text: Text) -> Optional[Text]:
        """Canonical value for an entity's text, via its lemma key (exact, then contained)."""
        values = CANONICAL_VALUES.get(entity)
        if values is None:
            return text
        if text in values:
            return text
        table = self._table.get(entity, {})
        key = phrase_lemma_key(text, self._lemmatizer)
        if key in table:
            return table[key]
        # The longest known phrase inside the span («старий паспорт-книжечку» ⊃ «паспорт книжечка»).
        padded = f" {key} "
        best: Optional[Tuple[int, Text]] = None
        for known, value in table.items():
            if f" {known} " in padded and (best is None or len(known) > best[0]):
                best = (len(known), value)
        return best[1] if best else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = [dict(e) for e in message.get(ENTITIES, [])]
            message.set(ENTITIES, self.normalize(text, entities, message), add_to_output=True)
        return messages

    def normalize(
        self, text: Text, entities: List[Dict[Text, Any]], message: Optional[Message] = None
    ) -> List[Dict[Text, Any]]:
        entities = self._extend_ages(text, self._merge_adjacent_ages(text, entities), message)
        out: List[Dict[Text, Any]] = []
        found_numbers = find_document_numbers(text) if self._config["document_number_patterns"] else []
        for ent in entities:
            name = ent.get("entity")
            span = text[ent["start"] : ent["end"]] if "start" in ent else str(ent.get("value"))
            if name == "document_number":
                if any(not (ent["end"] <= s or ent["start"] >= e) for s, e, _ in found_numbers):
                    continue  # the pattern match below replaces it
                value = canonical_document_number(str(ent.get("value"))) or canonical_document_number(span)
            elif name == "age":
                # The extracted span drops the minus of «мені -3»; the action then explains the valid range.
                start = ent.get("start", 0)
                if start > 0 and text[start - 1] in "-−" and (start == 1 or not text[start - 2].isalnum()):
                    span = "-" + span  # but «14-15» is a range, not minus fifteen
                number = parse_number(span, self._lemmatizer)
                if number is None:
                    number = parse_number(str(ent.get("value")), self._lemmatizer)
                value = str(number) if number is not None and -120 <= number <= 120 else None
                if value is not None and number >= 0 and _IN_MONTHS.match(text[ent.get("end", len(text)) :]):
                    value = "0"
            elif name == "idp":
                value = "false" if self._negated(text, ent["start"]) else "true"
            elif name in CANONICAL_VALUES:
                current = str(ent.get("value"))
                value = self.resolve(name, current)
                if value is None and current != span:
                    value = self.resolve(name, span)
            else:
                value = ent.get("value")
            if value is None:
                if not self._config["drop_unresolved"]:
                    out.append(ent)
                continue
            if value != ent.get("value"):
                ent["value"] = value
                self.add_processor_name(ent)
            out.append(ent)
        for start, end, value in found_numbers:
            out.append(self._new(start, end, "document_number", value))
        out.extend(self._gazetteer(text, out, message))
        out = [e for e in out if not _a_direction(text, e) and not _a_duration(text, e)]
        has_location, kept = any(e.get("entity") == "location" for e in out), []
        for ent in out:
            if _where_one_is(text, ent):
                if has_location:
                    continue  # the place is already read as where the person is
                ent["entity"] = "location"
                self.add_processor_name(ent)
            kept.append(ent)
        out = kept
        if self._config["age_rules"] and not any(e.get("entity") == "age" for e in out):
            age = self._age_by_rule(text, message)
            if age and not _a_duration(text, age):
                out.append(age)
        out.sort(key=lambda e: e.get("start", 0))
        return out

    @staticmethod
    def _merge_adjacent_ages(text: Text, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """«сорок два» tagged as two ages becomes one span (parsed to 42 below)."""
        ordered = sorted(entities, key=lambda e: e.get("start", 0))
        merged: List[Dict[Text, Any]] = []
        for ent in ordered:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and ent.get("entity") == "age" == prev.get("entity")
                and "start" in ent
                and "end" in prev
                and not text[prev["end"] : ent["start"]].strip()
            ):
                prev["end"] = ent["end"]
                prev["value"] = text[prev["start"] : ent["end"]]
                continue
            merged.append(ent)
        return merged

    def _extend_ages(
        self, text: Text, entities: List[Dict[Text, Any]], message: Optional[Message]
    ) -> List[Dict[Text, Any]]:
        """«мені [сорок] два»: the tagger may stop inside a number said in words; the age takes the number words
        that follow it."""
        tokens = (message.get(TOKENS_NAMES[TEXT]) if message is not None else None) or []
        for ent in entities:
            if ent.get("entity") != "age" or "start" not in ent or "end" not in ent:
                continue
            words = text[ent["start"] : ent["end"]].split()
            if not words or number_word_value(words[-1], self._lemmatizer) is None:
                continue  # digits («14»), not a number at all, or an empty span
            for token in tokens:
                if token.start < ent["end"]:
                    continue
                if text[ent["end"] : token.start].strip() or number_word_value(token.text, self._lemmatizer) is None:
                    break
                ent["end"] = token.end
                ent["value"] = text[ent["start"] : token.end]
        return entities

    @staticmethod
    def _new(start: int, end: int, entity: Text, value: Text) -> Dict[Text, Any]:
        return {
            "entity": entity,
            "start": start,
            "end": end,
            "value": value,
            "confidence_entity": 1.0,
            "extractor": NAME,
        }

    def _gazetteer(self, text: Text, found: List[Dict[Text, Any]], message: Optional[Message]) -> List[Dict[Text, Any]]:
        """Known phrases (by lemma) of entity types the tagger did not extract at all."""
        tokens = [
            t
            for t in (message.get(TOKENS_NAMES[TEXT]) if message is not None else None) or []
            if any(ch.isalnum() for ch in t.text)
        ]
        if not tokens:
            return []
        lemmas = [t.lemma for t in tokens]
        taken = [(e["start"], e["end"]) for e in found if "start" in e]
        added: List[Dict[Text, Any]] = []
        intent = (message.get(INTENT) or {}).get("name") if message is not None else None
        wanted = list(self._config["gazetteer_entities"]) if intent in self._config["gazetteer_intents"] else []
        named_only = intent in self._config["named_doc_type_gazetteer_intents"]
        if intent in self._config["doc_type_gazetteer_intents"] or named_only:
            wanted.append("doc_type")
        for entity in wanted:
            if any(e.get("entity") == entity for e in found):
                continue
            table = self._table.get(entity, {})
            best: Optional[Tuple[int, int, int, Text]] = None  # (length, i, j, value)
            for i in range(len(tokens)):
                for j in range(min(len(tokens), i + 5), i, -1):
                    key = " ".join(lemmas[i:j])
                    # Single words only when long enough to be distinctive («вперше», not «на»).
                    if key in table and (j - i > 1 or len(key) >= 5):
                        start, end = tokens[i].start, tokens[j - 1].end
                        if (
                            entity == "doc_type"
                            and named_only
                            and bare_passport([{"entity": entity, "text": text[start:end]}])
                        ):
                            break
                        if all(end <= s or start >= e for s, e in taken):
                            if best is None or j - i > best[0]:
                                best = (j - i, i, j, table[key])
                        break
            if best:
                _, i, j, value = best
                ent = self._new(tokens[i].start, tokens[j - 1].end, entity, value)
                taken.append((ent["start"], ent["end"]))
                added.append(ent)
        return added

    def _negated(self, text: Text, start: int) -> bool:
        before = text[:start].lower().replace(",", " ").split()
        return bool(before) and before[-1] in _NEGATIONS

    def _age_by_rule(self, text: Text, message: Optional[Message]) -> Optional[Dict[Text, Any]]:
        tokens = message.get(TOKENS_NAMES[TEXT]) if message is not None else None
        if not tokens:
            return None
        i = 0
        while i < len(tokens):
            if number_word_value(tokens[i].text, self._lemmatizer) is None:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens) and number_word_value(tokens[j + 1].text, self._lemmatizer) is not None:
                j += 1
            before = tokens[i - 1].lemma if i > 0 else ""
            after = tokens[j + 1].lemma if j + 1 < len(tokens) else ""
            said = {before, tokens[i - 1].text.lower() if i > 0 else ""}  # «синові»: its lemma is «синів»
            if said & (_AGE_BEFORE | _BABY_BEFORE) and _IN_MONTHS.match(text[tokens[j].end :]):
                if not _part_of_number(text, tokens[i].start, tokens[j].end):
                    return self._new(tokens[i].start, tokens[j].end, "age", "0")
            if before in _AGE_BEFORE or before.rstrip(".") in _AGE_BEFORE or after.rstrip(".") in _AGE_AFTER:
                span = text[tokens[i].start : tokens[j].end]
                number = parse_number(span, self._lemmatizer)
                if (
                    number is not None
                    and 0 <= number <= 120
                    and not _part_of_number(text, tokens[i].start, tokens[j].end)
                ):
                    return self._new(tokens[i].start, tokens[j].end, "age", str(number))
            i = j + 1
        return None


def _part_of_number(text: Text, start: int, end: int) -> bool:
    """True for digits inside a date, a document number or a longer number."""
    left = text[start - 1] if start > 0 else " "
    right = text[end] if end < len(text) else " "
    return left in ".,/:-" and left != " " or (right in ".,/:" and end + 1 < len(text) and text[end + 1].isdigit())
