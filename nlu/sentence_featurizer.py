"""Rasa component: dense sentence features from a sentence-transformers model.

By default the model is trained during `rasa train` from the NLU data (nlu/sentence_model.py)
and stored inside the Rasa model archive. `pretrained_model_path` takes a local folder of a
pretrained multilingual model instead (copied in by a deployer; loaded with HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

MODEL_DIR = "sentence_model"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Local folder of a pretrained sentence-transformers model; None = train our own.
            "pretrained_model_path": None,
            "dimension": 128,
            "vocab_size": 6000,
            "pairs_per_intent": 80,
            "epochs": 1,
            "random_seed": 42,
            "members": 1,  # models trained with seeds random_seed, random_seed + 1, ...; cosines averaged
        }

    @staticmethod
    def required_packages() -> List[Text]:
        # Rasa imports these to check them: torch/sentence-transformers must not be imported into
        # the server (memory, and their thread pool slows TensorFlow); training imports them in a child.
        return ["tokenizers"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        path = config.get("pretrained_model_path")
        if path:
            from nlu.sentence_model import check_pretrained_folder  # numpy only, no torch

            check_pretrained_folder(Path(os.path.expandvars(str(path))))

    def __init__(
        self,
        config: Dict[Text, Any],
        name: Text,
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        cls.validate_config(config)
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceEmbeddingFeaturizer":
        from nlu.sentence_model import load_encoder

        pretrained = config.get("pretrained_model_path")
        if pretrained:
            model = load_encoder(Path(os.path.expandvars(str(pretrained))))
        else:
            with model_storage.read_from(resource) as storage:
                model = load_encoder(Path(storage) / MODEL_DIR)
        return cls(config, execution_context.node_name, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as storage:
            if self._config.get("pretrained_model_path"):
                (Path(storage) / "pretrained.txt").write_text(str(self._config["pretrained_model_path"]))
                return self._resource
            examples = [
                [m.get(TEXT), m.get(INTENT)] for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)
            ]
            from nlu.sentence_model import train_in_subprocess

            train_in_subprocess(
                examples,
                Path(storage),
                Path(storage) / MODEL_DIR,
                dimension=self._config["dimension"],
                vocab_size=self._config["vocab_size"],
                pairs_per_intent=self._config["pairs_per_intent"],
                epochs=self._config["epochs"],
                seed=self._config["random_seed"],
                members=self._config["members"],
            )
        return self._resource

    def _encode(self, texts: List[Text]) -> np.ndarray:
        return self._model.encode(texts)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        if messages:
            vectors = self._encode([m.get(TEXT) for m in messages])
            for message, vector in zip(messages, vectors):
                self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if todo:
            vectors = self._encode([m.get(TEXT) for m in todo])
            for message, vector in zip(todo, vectors):
                self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages
