"""Custom Rasa NLU components for Ukrainian (tokenizer with pymorphy3 lemmas, entity normaliser,
sentence features)."""
