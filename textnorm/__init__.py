"""Text normalisation shared by the NLU components, the actions, tracking and the CLI.

Pure Python plus pymorphy3 (no Rasa imports), so every process can use it:
`chars` (apostrophes, look-alike letters), `lemmas` (the pymorphy3 lemmatiser, loaded once per process),
`numbers` (numbers in digits or words, with their sign) and `docnumbers` (base document numbers).
"""

from textnorm.chars import fix_lookalikes, normalize_apostrophes, words  # noqa: F401
from textnorm.docnumbers import (  # noqa: F401
    APPLICATION_NUMBER_RE,
    DocumentNumber,
    canonical_document_number,
    find_document_number,
    find_document_numbers,
    mask_document_number,
    parse_document_number,
)
from textnorm.lemmas import Lemmatizer, default_lemmatizer, lemma_forms, lemma_key, phrase_lemma_key  # noqa: F401
from textnorm.numbers import number_word_value, parse_number  # noqa: F401
