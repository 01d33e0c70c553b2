"""Ukrainian tokenizer: spaCy's rule-based `uk` tokenizer + pymorphy3 lemmas."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from textnorm import Lemmatizer, default_lemmatizer, normalize_apostrophes


def _import_spacy_without_torch():
    """spaCy's thinc imports torch when it is installed (~0.9 GB RSS and a thread pool beside
    TensorFlow); the rule-based tokenizer needs none of it, so hide torch while spaCy loads."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail inside thinc
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class UkrainianTokenizer(Tokenizer):
    """Keeps «ім'я» whole whatever apostrophe is typed and fills `Token.lemma`.

    Token texts carry the normalised apostrophe ("'"); offsets refer to the original
    message (the normalisation never changes the length).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Lemmatise words unknown to the Ukrainian dictionary with the Russian one.
            "russian_lemmas": True,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "pymorphy3"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        spacy = _import_spacy_without_torch()

        # A blank pipeline is only the rule-based tokenizer: fast, no model files.
        self._nlp = spacy.blank("uk")
        # One lemmatiser per process (pymorphy3 dictionaries are large); a Ukrainian-only one only when asked.
        russian = bool(config.get("russian_lemmas", True))
        self._lemmatizer = default_lemmatizer() if russian else Lemmatizer(russian=False)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UkrainianTokenizer":
        return cls(config)

    def tokenize_text(self, text: Text) -> List[Token]:
        normalized = normalize_apostrophes(text)
        tokens = []
        for tok in self._nlp.make_doc(normalized):
            if tok.is_space:
                continue
            word = tok.text.strip("'") or tok.text
            start = tok.idx + tok.text.index(word)
            tokens.append(Token(word, start, start + len(word), lemma=self._lemmatizer.lemma(word)))
        if not tokens and text.strip():
            stripped = normalized.strip()
            start = normalized.index(stripped)
            tokens = [Token(stripped, start, lemma=stripped.lower())]
        return tokens

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = self.tokenize_text(message.get(attribute))
        return self._apply_token_pattern(tokens)
