"""Rasa component: hybrid FAQ retrieval over kb/faq, after DIET and the FallbackClassifier.

Adds `faq` to every parsed message — {"confidence": p, "confident": bool, "ranking": [{"id", "score"}, ...],
"wider": the same for more entries} —
and, where nlu/faq_decision.py says so, makes the intent `faq` (overruling a fallback, out-of-scope or a checklist
topic without a document). Why a custom component and not a ResponseSelector: the answers live in kb/ (an editor
changes them without retraining), are filled in with the fee in force on the day and rendered in the user's
language at answer time, and the retriever needs a confidence that means something (BM25 + embeddings, calibrated)
to choose between answering and «Можливо, ви питаєте про…».

At `rasa train` it reads kb/faq (DMSBOT_KB_DIR or `kb_dir`), trains the project's own sentence model on the FAQ
questions (entry = label; child process, as for the featurizer) and stores the index in the model archive.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from dmsbot.settings import settings
from nlu.faq_decision import (
    CHECKLIST_INTENTS,
    FAQ,
    INFORM,
    OFFER,
    bare_passport,
    first_passport,
    fragment_entities,
    names_a_kind,
    passport_alone,
    precise_checklist_question,
    route,
    tracks_a_bare_passport,
    typed_offer_label,
)

logger = logging.getLogger(__name__)

# Intents whose reply uses no document, so a bare «паспорт» in them only sets the conversation's one (below).
STATES_NO_DOCUMENT = frozenset({FAQ, "nlu_fallback", "out_of_scope", "help", "greet", "thank", "goodbye"})
INDEX_DIR = "faq_index"
MODEL_DIR = "faq_sentence_model"
# entry id -> the intent whose action serves its request (kb/faq `trains_intent`).
SERVED_BY_FILE = "served_by.json"
DOCUMENTS_FILE = "entry_documents.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqRetriever(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "kb_dir": None,  # default: $DMSBOT_KB_DIR or the project's kb/
            "weight": 0.3,  # share of the embedding cosine in the fused score (BM25 the rest)
            "bm25_norm": 4.0,  # bm25 / (bm25 + bm25_norm) maps BM25 to [0, 1)
            # Confidence = sigmoid(a * best + b * margin + c), fitted by scripts/tune_faq.py on held-out folds.
            "calibration": {"a": 12.0, "b": 8.0, "c": -7.0},
            # The highest confidence of a retrieval whose embeddings alone rank another entry first (None: no
            # limit); below answer_threshold, such a retrieval gets «did you mean», never a stated answer.
            "disagreement_cap": None,
            # With disagreement_cap: below this lead of the first entry over every other (cosine + BM25), it is
            # capped too: two sibling entries the question fits equally well («що таке витяг» / «як його взяти»).
            "close_call_lead": None,
            "answer_threshold": 0.5,  # at or above: answer; below: «did you mean» with the likeliest entries
            "suggest_threshold": 0.15,  # a fallback/out-of-scope message at or above: «did you mean»
            # Below answer_threshold, an entry this likely before the caps and this far ahead of the next one is shown
            # as a hedged answer («Схоже, ви питаєте про…» + the answer + the other entries), not a bare list. Chosen on
            # the development sets only (docs/faq.md, "Likely answers"); `make evaluate` reports their wrong share.
            "likely_threshold": 0.33,
            "likely_margin": 0.06,
            # A checklist question for a named document goes to an FAQ entry about that document instead when the
            # retriever is at least this sure: «чи можна з книжечкою оформити закордонний» is not the checklist.
            "specific_threshold": 0.35,
            "ranking_length": 3,
            # `faq.wider`: this many entries, for the actions to pick the one a short follow-up means in the
            # conversation («а хто може забрати?» after a child's passport; actions/faq.py `entry_in_context`).
            "context_ranking_length": 10,
            "dimension": 128,
            "vocab_size": 4000,
            "pairs_per_intent": 40,
            "epochs": 1,
            "random_seed": 42,
            # Models trained with seeds random_seed, random_seed + 1, ...; their cosines are averaged
            # (nlu.sentence_model.EnsembleSentenceEncoder). 1 = a single model.
            "members": 1,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "pymorphy3"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """The kb/faq files, nlu/ru_uk_lemmas.tsv and the code that makes the index's lemmas: Rasa's training cache keys
        a component on its config and data/ only, so without this an edit of the FAQ questions or answers, or of how
        words are read, alone would reuse the old index."""
        import textnorm.chars
        import textnorm.lemmas
        from kbengine.faq import faq_dir
        from nlu import faq_index
        from nlu.faq_index import RU_UK_FILE

        configured = config.get("kb_dir") or settings().dmsbot_kb_dir
        digest = hashlib.sha256()
        for path in sorted(faq_dir(Path(configured) if configured else None).glob("*.yml")):
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
        digest.update(RU_UK_FILE.read_bytes())
        for module in (faq_index, textnorm.lemmas, textnorm.chars):
            digest.update(Path(module.__file__).read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: Any = None,
        encoder: Any = None,
        served_by: Optional[Dict[str, str]] = None,
        documents: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._index = index
        self._encoder = encoder
        self._served_by = served_by or {}
        self._documents = documents or {}  # entry id -> the documents it is about

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqRetriever":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FaqRetriever":
        from nlu.faq_index import Calibration, FaqIndex, russian_to_ukrainian
        from nlu.sentence_model import load_encoder

        try:
            with model_storage.read_from(resource) as storage:
                index = FaqIndex.load(Path(storage) / INDEX_DIR)
                encoder = load_encoder(Path(storage) / MODEL_DIR) if (Path(storage) / MODEL_DIR).exists() else None
                served_path = Path(storage) / SERVED_BY_FILE
                served_by = json.loads(served_path.read_text(encoding="utf-8")) if served_path.exists() else {}
                documents_path = Path(storage) / DOCUMENTS_FILE
                documents = json.loads(documents_path.read_text(encoding="utf-8")) if documents_path.exists() else {}
        except ValueError:
            logger.warning("No FAQ index in the model; FAQ retrieval is off until the next training.")
            return cls(config, model_storage, resource)
        # Weights and calibration are read from the config, so a re-tune leaves the stored index as it is.
        merged = {**cls.get_default_config(), **config}
        index.weight = merged["weight"]
        index.bm25_norm = merged["bm25_norm"]
        index.calibration = Calibration(**merged["calibration"])
        index.disagreement_cap = merged["disagreement_cap"]
        index.close_call_lead = merged["close_call_lead"]
        russian_to_ukrainian()  # read the word list now, not on the first user's message
        return cls(config, model_storage, resource, index, encoder, served_by, documents)

    def _kb_dir(self) -> Optional[Path]:
        configured = self._config.get("kb_dir") or settings().dmsbot_kb_dir
        return Path(configured) if configured else None

    def train(self, training_data: TrainingData) -> Resource:
        from kbengine.faq import load_faq
        from nlu.faq_index import FaqIndex
        from nlu.sentence_model import load_encoder, train_in_subprocess

        faq = load_faq(self._kb_dir())
        examples = faq.examples()
        with self._model_storage.write_to(self._resource) as storage:
            encoder = None
            if len(faq) >= 2:
                train_in_subprocess(
                    [list(e) for e in examples],
                    Path(storage),
                    Path(storage) / MODEL_DIR,
                    dimension=self._config["dimension"],
                    vocab_size=self._config["vocab_size"],
                    pairs_per_intent=self._config["pairs_per_intent"],
                    epochs=self._config["epochs"],
                    seed=self._config["random_seed"],
                    members=self._config["members"],
                )
                encoder = load_encoder(Path(storage) / MODEL_DIR)
            extra = faq.answer_words()  # the answers name the topic in Ukrainian and English: BM25 reads them too
            index = FaqIndex.build(
                examples,
                encoder,
                extra_text=extra,
                weight=self._config["weight"],
                bm25_norm=self._config["bm25_norm"],
                disagreement_cap=self._config["disagreement_cap"],
                close_call_lead=self._config["close_call_lead"],
            )
            index.save(Path(storage) / INDEX_DIR)
            self._served_by = {e.id: e.trains_intent for e in faq.entries.values() if e.trains_intent}
            (Path(storage) / SERVED_BY_FILE).write_text(json.dumps(self._served_by), encoding="utf-8")
            self._documents = {e.id: list(e.documents) for e in faq.entries.values()}
            (Path(storage) / DOCUMENTS_FILE).write_text(json.dumps(self._documents), encoding="utf-8")
        logger.info("FAQ index: %d entries, %d example questions", len(faq), len(examples))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if settings().dmsbot_faq_retrieval == "off":
            return messages  # switched off (scripts/bench_faq_retrieval.py measures the difference)
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        name = intent.get("name")
        if self._index is None or not text or text.startswith("/"):
            # Button payloads (/faq{"faq_id": ...}) are already exact; nothing to retrieve.
            return
        vector = self._encoder.encode([text[:1000]])[0] if self._encoder is not None else None
        # Routing asks whether an entry answers at all; the cap only says which one is unclear («did you mean»).
        wider, confidence, uncapped = self._index.search_uncapped(
            text[:1000], vector, k=max(self._config["ranking_length"], self._config["context_ranking_length"])
        )
        candidates = wider[: self._config["ranking_length"]]
        entities = message.get(ENTITIES) or []
        top = candidates[0].entry_id if candidates else None
        decision = route(
            name,
            float(intent.get("confidence") or 0.0),
            entities,
            uncapped,
            self._config["answer_threshold"],
            self._config["suggest_threshold"],
            text,
            specific_threshold=self._config["specific_threshold"],
            top_documents=self._documents.get(top, []) if top not in self._served_by else [],
            runner_up=next(
                (r.get("name") for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name), None
            ),
            top_intent=self._served_by.get(top),
            capped_confidence=confidence,
        )
        faq = {
            "confidence": round(confidence, 4),
            "confident": confidence >= self._config["answer_threshold"],
            # Worth offering as «did you mean» (e.g. beside the «which document?» question).
            "suggest": confidence >= self._config["suggest_threshold"],
            "ranking": [{"id": c.entry_id, "score": round(c.score, 4)} for c in candidates],
            "wider": [{"id": c.entry_id, "score": round(c.score, 4)} for c in wider],
        }
        lead = candidates[0].score - candidates[1].score if len(candidates) > 1 else 0.0
        faq["likely"] = (
            not faq["confident"]
            and uncapped >= self._config["likely_threshold"]
            and lead >= self._config["likely_margin"]
        )
        message.set(FAQ, faq, add_to_output=True)
        target = FAQ
        if decision == FAQ and faq["confident"] and candidates and candidates[0].entry_id in self._served_by:
            # «можна поговорити з живою людиною?»: the entry's request is an action (contacts, subscribe, ...).
            target = self._served_by[candidates[0].entry_id]
        if decision not in (FAQ, "keep"):
            target = decision  # a checklist runner-up or tracking (nlu.faq_decision.route)
        if decision != "keep" and name != target:
            new_intent = {"name": target, "confidence": max(confidence, float(intent.get("confidence") or 0.0))}
            ranking = [new_intent] + [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != target]
            message.set(INTENT, new_intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            name = target
        offer_label = typed_offer_label(text)
        if offer_label and name == offer_label:
            # «Так, підписатися» typed: the offer's own answer, as its button says it (the rules take it later too).
            offer = {
                "entity": "document_number",
                "value": OFFER,
                "start": 0,
                "end": len(text),
                "confidence_entity": 1.0,
            }
            entities = [*entities, {**offer, "extractor": type(self).__name__}]
            message.set(ENTITIES, entities, add_to_output=True)
        named = fragment_entities(entities, text) if name == INFORM else []
        if named:
            # «а терміново?», «а на тимчасове?» after a fee answer: the tagger leaves a fragment's value untagged.
            entities = [*entities, *({**e, "confidence_entity": 1.0, "extractor": type(self).__name__} for e in named)]
            message.set(ENTITIES, entities, add_to_output=True)
        if names_a_kind(entities, text) and any(bare_passport([e], text) for e in entities):
            # «документи на ID карту в 16, якщо до цього паспорта не було»: the document is the one named by its kind.
            entities = [e for e in entities if not bare_passport([e], text)]
            message.set(ENTITIES, entities, add_to_output=True)
        if (
            name in STATES_NO_DOCUMENT or (name in CHECKLIST_INTENTS and precise_checklist_question(text) == name)
        ) and (bare_passport(entities, text) or not any(e.get("entity") == "doc_type" for e in entities)):
            # «перелік документів на перший паспорт синові»: the ID card, where «which passport?» would come next.
            # (Not «куди йти на перший паспорт і чи треба платити»: two questions, which an entry answers.) Beside
            # an FAQ answer or offer it becomes the conversation's document, so «а скільки чекати?» gets its term.
            entities = first_passport(entities, text)
            message.set(ENTITIES, entities, add_to_output=True)
        if passport_alone(name, entities, text):
            # «скільки коштує паспорт», «паспорт»: which one? The form asks instead of assuming the ID card.
            kept = [e for e in entities if e.get("entity") != "doc_type"]
            message.set(ENTITIES, kept, add_to_output=True)
            message.set("doc_type_ambiguous", True, add_to_output=True)
        elif tracks_a_bare_passport(name, entities, text):
            # The tracking form asks which document instead of taking the ID card the normaliser read in.
            message.set(ENTITIES, [e for e in entities if e.get("entity") != "doc_type"], add_to_output=True)
        elif name in STATES_NO_DOCUMENT and bare_passport(entities, text):
            # «загубив паспорт у Польщі, що робити» (an FAQ question): the ID card the tagger read into «паспорт» must
            # not become the conversation's document, or «а скільки це коштує?» next gets the ID card's fee.
            kept = [e for e in entities if not bare_passport([e], text)]
            message.set(ENTITIES, kept, add_to_output=True)
