"""pymorphy3 lemmas: Ukrainian, with Russian for Russian-only words and crude English stems."""

from __future__ import annotations

import functools
from typing import FrozenSet, Iterable, Optional

from textnorm.chars import (
    CYRILLIC_RE,
    RUSSIAN_ONLY_RE,
    UKRAINIAN_ONLY_RE,
    WORD_RE,
    fix_lookalikes,
    normalize_apostrophes,
)

# Chat shorthand no dictionary knows, as the word it stands for («спс» is «дякую»): the word features then match.
CHAT_SHORTHAND = {
    "спс": "дякувати",
    "спсб": "дякувати",
    "дяк": "дякувати",
    "дякс": "дякувати",
    "пасіб": "спасибі",
    "пасиб": "спасибі",
    "пасибки": "спасибі",
    "сенкс": "thank",
    "сенк'ю": "thank",
    "thx": "thank",
    "thnx": "thank",
    "tnx": "thank",
}


# Ukrainian letters people type for Russian ones in surzhyk: і for и (or ы), є for е, ї for и.
SURZHYK_LETTERS = (str.maketrans({"і": "и", "є": "е", "ї": "и"}), str.maketrans({"і": "ы", "є": "е", "ї": "и"}))

# Where Ukrainian writes an apostrophe: after б, п, в, м, ф, р before я, ю, є, ї («обов'язково», «сім'я»).
APOSTROPHE_PAIRS = frozenset(a + b for a in "бпвмфр" for b in "яюєї")


class Lemmatizer:
    """One lemma per word; `forms` gives every dictionary form a word may stand for."""

    def __init__(self, russian: bool = True) -> None:
        import pymorphy3  # heavy: loaded once per process through default_lemmatizer()

        self._uk = pymorphy3.MorphAnalyzer(lang="uk")
        self._ru = None
        if russian:
            try:
                self._ru = pymorphy3.MorphAnalyzer(lang="ru")
            except (ValueError, ImportError, OSError):
                # pymorphy3-dicts-ru is optional: Russian words then keep their surface form.
                self._ru = None
        self.lemma = functools.lru_cache(maxsize=200_000)(self._lemma)
        self.forms = functools.lru_cache(maxsize=50_000)(self._forms)
        self.russian_lemma = functools.lru_cache(maxsize=50_000)(self._russian_lemma)
        self.keyboard_lemma = functools.lru_cache(maxsize=50_000)(self._keyboard_lemma)

    def _lemma(self, word: str) -> str:
        word = fix_lookalikes(normalize_apostrophes(word)).lower()
        if not word or not any(ch.isalpha() for ch in word):
            return word
        if word in CHAT_SHORTHAND:
            return CHAT_SHORTHAND[word]
        if not CYRILLIC_RE.search(word):
            return _english_stem(word)
        if self._ru is not None and not UKRAINIAN_ONLY_RE.search(word):
            if RUSSIAN_ONLY_RE.search(word) or (not self._uk.word_is_known(word) and self._ru.word_is_known(word)):
                return self._ru.parse(word)[0].normal_form.replace("ё", "е")
        return self._uk.parse(word)[0].normal_form

    def _russian_lemma(self, word: str) -> Optional[str]:
        """The Russian lemma of a surzhyk word typed with Ukrainian letters («талончік», «заранєє», «мєсяц»): one no
        Ukrainian dictionary knows that the Russian one does once і, є, ї are read as и (or ы), е, и. None otherwise."""
        word = fix_lookalikes(normalize_apostrophes(word)).lower()
        if self._ru is None or not any(ch in word for ch in "ієї") or self._uk.word_is_known(word):
            return None
        for letters in SURZHYK_LETTERS:
            russian = word.translate(letters)
            if self._ru.word_is_known(russian):
                return self._ru.parse(russian)[0].normal_form.replace("ё", "е")
        return None

    def _keyboard_lemma(self, word: str) -> Optional[str]:
        """The Ukrainian lemma of a word typed on a Russian keyboard («скильки», «тильки», «коштуе»): one neither
        dictionary knows that the Ukrainian one does once one и or ы is read as і, or е as є. None otherwise."""
        word = fix_lookalikes(normalize_apostrophes(word)).lower()
        if self._uk.word_is_known(word) or (self._ru is not None and self._ru.word_is_known(word)):
            return None
        readings = []
        for typed, meant in (("и", "і"), ("ы", "і"), ("е", "є")):
            readings.append(word.replace(typed, meant))
            readings.extend(word[:i] + meant + word[i + 1 :] for i, ch in enumerate(word) if ch == typed)
        # «обовязково», «сімя»: the apostrophe left out
        readings.extend(
            word[: i + 1] + "'" + word[i + 1 :] for i in range(len(word) - 1) if word[i : i + 2] in APOSTROPHE_PAIRS
        )
        for ukrainian in dict.fromkeys(readings):
            if ukrainian != word and self._uk.word_is_known(ukrainian):
                return self._uk.parse(ukrainian)[0].normal_form
        return None

    def is_known(self, word: str) -> bool:
        """A dictionary word (Ukrainian or Russian; English has no dictionary here, so never)."""
        word = normalize_apostrophes(word).lower()
        return self._uk.word_is_known(word) or (self._ru is not None and self._ru.word_is_known(word))

    def _forms(self, word: str) -> FrozenSet[str]:
        """The word itself plus its Ukrainian and Russian dictionary forms (for keyword matching)."""
        word = normalize_apostrophes(word).lower()
        forms = {word}
        if word.replace("'", "").isalpha():
            for analyzer in (self._uk, self._ru):
                if analyzer is not None:
                    parses = analyzer.parse(word)
                    if parses:
                        forms.add(normalize_apostrophes(parses[0].normal_form))
        return frozenset(forms)


def _english_stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=1)
def default_lemmatizer() -> Lemmatizer:
    return Lemmatizer()


def lemma_forms(word: str) -> FrozenSet[str]:
    return default_lemmatizer().forms(word)


def lemma_key(words: Iterable[str], lemmatizer: Optional[Lemmatizer] = None) -> str:
    """A synonym lookup key that is the same for every case form of a phrase."""
    lem = lemmatizer or default_lemmatizer()
    return " ".join(lem.lemma(w) for w in words if any(ch.isalnum() for ch in w))


def phrase_lemma_key(text: str, lemmatizer: Optional[Lemmatizer] = None) -> str:
    return lemma_key(WORD_RE.findall(normalize_apostrophes(text)), lemmatizer)
