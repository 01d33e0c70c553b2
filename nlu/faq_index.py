"""Hybrid FAQ retrieval: sentence embeddings + BM25 on pymorphy3 lemmas, fused, with a calibrated confidence.

Pure numpy (no Rasa, no torch), so the Rasa component (nlu/faq_retriever.py), the evaluation and the tuning
script share it. One "document" per FAQ entry for BM25 (all its example questions), one vector per example
question for the embeddings (an entry scores its best question). The fused score of an entry is
`w * cosine + (1 - w) * bm25 / (bm25 + k)`; the confidence that the best entry is right is a logistic function
of the best fused score and its margin over the second, fitted at training time on held-out folds of the
examples (scripts/tune_faq.py prints how well it is calibrated).
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from textnorm import default_lemmatizer, words
from textnorm.chars import CYRILLIC_RE

INDEX_FILE = "faq_index.json"
VECTORS_FILE = "faq_vectors.npy"

# Words that carry no topic; removed before BM25 (questions are short, these would dominate).
STOPWORDS = frozenset(
    """
і й та а але чи що як де коли хто який яка яке які якщо якщо-то це цей ця ці той то так ні не ну ж же би б бо
в у на з із зі до від по за для про при під над через між після без мене мені мій моя моє мої я ти ви вам вас ваш
ваша він вона воно вони його її їх нам нас наш ми себе свій бути є був була було були буде можна треба потрібно
и в во не что как где когда кто какой какая какие это этот эта тот та да нет ли или но же бы по за для про при
под над через после без меня мне мой моя мое мои я ты вы вам вас ваш он она оно они его ее их нам нас наш мы
быть есть был была было были будет можно надо нужно шо шоб чтоб чтобы щоб
a an the of to in on at for from by with about is are was were be been am do does did can could may might
i my me you your we our he she it its they them what how where when who which that this there please
""".split()
)
# Numbers of up to four digits count as words (ages, years, days, the 1545 line); longer ones are document numbers.
# On 5 folds of the kb questions (one held out per entry) BM25 alone found 0.770 instead of 0.764, and 0.728 instead
# of 0.675 of the questions with a number.
MAX_NUMBER_DIGITS = 4
BM25_K1 = 1.2
BM25_B = 0.5


RU_UK_FILE = Path(__file__).with_name("ru_uk_lemmas.tsv")


@functools.lru_cache(maxsize=1)
def russian_to_ukrainian() -> Dict[str, str]:
    """Russian lemma -> the Ukrainian lemma of the same meaning (nlu/ru_uk_lemmas.tsv)."""
    lem = default_lemmatizer()
    pairs = {}
    for line in RU_UK_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            russian, ukrainian = line.split("\t")
            target = lem.lemma(ukrainian.strip())
            # Keyed by the word as written and by the lemma the lemmatiser gives it (a surzhyk reading, say).
            pairs.setdefault(lem.lemma(russian.strip()), target)
            pairs[russian.strip()] = target
    return pairs


def lemmas(text: str) -> List[str]:
    lem = default_lemmatizer()
    to_ukrainian = russian_to_ukrainian()
    out = []
    for word in words(text or ""):
        if word.isdigit() and len(word) <= MAX_NUMBER_DIGITS:
            out.append(word)  # an age, a year, a number of days: «дитині 13» is not «дитині 5»
            continue
        if not any(ch.isalpha() for ch in word):
            continue
        # A Russian word in Ukrainian letters («талончік») and a Ukrainian one typed on a Russian keyboard («скильки»)
        # are read as the words they spell (sets 1-10: 9 replies better, none worse).
        lemma = lem.russian_lemma(word) or lem.keyboard_lemma(word) or lem.lemma(word)
        # A Russian word counts as its Ukrainian equivalent: most of an entry's questions and its answer are Ukrainian.
        lemma = to_ukrainian.get(lemma, lemma)
        if lemma not in STOPWORDS and word not in STOPWORDS:
            out.append(lemma)
    return out


@dataclass
class Candidate:
    entry_id: str
    score: float  # fused
    cosine: float
    bm25: float  # normalised to [0, 1)


@dataclass
class Calibration:
    """P(best entry is right) = sigmoid(a * best + b * margin + c)."""

    a: float = 12.0
    b: float = 8.0
    c: float = -7.0

    def __call__(self, best: float, margin: float) -> float:
        z = self.a * best + self.b * margin + self.c
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Shorter words are left as typed: one letter off, «строк» is «срок», "visa" is "vise".
MIN_TYPO_LENGTH = 5


def _one_deleted(word: str) -> Set[str]:
    """The word with one letter left out, each way (a typo-tolerant key, as SymSpell does)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class FaqIndex:
    def __init__(
        self,
        entry_ids: List[str],
        doc_lemmas: List[List[str]],
        example_entries: List[int],
        vectors: Optional[np.ndarray],
        weight: float = 0.6,
        bm25_norm: float = 4.0,
        calibration: Optional[Calibration] = None,
        disagreement_cap: Optional[float] = None,
        close_call_lead: Optional[float] = None,
    ) -> None:
        self.entry_ids = entry_ids
        self.weight = weight
        self.bm25_norm = bm25_norm
        self.calibration = calibration or Calibration()
        # The highest confidence when the embeddings alone would rank another entry first (None: no limit).
        self.disagreement_cap = disagreement_cap
        # With the cap: the first entry's lead over every other, in cosine plus in normalised BM25, below which it
        # is offered too (None: no such check).
        self.close_call_lead = close_call_lead
        self._doc_lemmas = doc_lemmas
        # The questions' vectors ordered by entry, so one maximum.reduceat per message takes each entry's best
        # question (np.maximum.at took a third of the cosine step); the order of the questions means nothing else.
        order = np.argsort(np.asarray(example_entries, dtype=np.int64), kind="stable")
        self._example_entries = np.asarray(example_entries, dtype=np.int64)[order]
        self._vectors = vectors[order] if vectors is not None else None
        grouped = self._example_entries
        self._group_starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
        self._group_entries = grouped[self._group_starts] if len(grouped) else grouped
        self._build_bm25()

    # --- construction ---------------------------------------------------------------------------------

    @classmethod
    def build(
        cls, examples: Sequence[Tuple[str, str]], encoder=None, extra_text: Optional[Dict[str, str]] = None, **kwargs
    ) -> "FaqIndex":
        """`examples`: (question, entry id). `encoder`: anything with encode(texts) -> unit vectors.
        `extra_text`: more words per entry for BM25 only (its answers: they name the topic in both languages)."""
        entry_ids = sorted({e for _, e in examples})
        position = {e: i for i, e in enumerate(entry_ids)}
        docs: List[List[str]] = [[] for _ in entry_ids]
        for text, entry in examples:
            docs[position[entry]].extend(lemmas(text))
        for entry, text in (extra_text or {}).items():
            if entry in position:
                docs[position[entry]].extend(lemmas(text))
        vectors = encoder.encode([t for t, _ in examples]) if encoder is not None else None
        return cls(entry_ids, docs, [position[e] for _, e in examples], vectors, **kwargs)

    def _build_bm25(self) -> None:
        self._typo_keys: Optional[Dict[str, Set[str]]] = None  # built on the first misspelt word
        self._tf = [Counter(doc) for doc in self._doc_lemmas]
        self._len = np.array([max(1, len(doc)) for doc in self._doc_lemmas], dtype=np.float64)
        self._avg_len = float(self._len.mean()) if len(self._len) else 1.0
        df: Counter = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._tf)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._postings: Dict[str, List[Tuple[int, int]]] = {}
        for i, tf in enumerate(self._tf):
            for term, count in tf.items():
                self._postings.setdefault(term, []).append((i, count))

    # --- scoring --------------------------------------------------------------------------------------

    def spelled(self, term: str) -> str:
        """A query word the index and the dictionaries do not know, one typo from a word of the index ("documnts",
        "residance"): that word (the most common one if several are); any other word unchanged. Without it a misspelt
        word scores nothing."""
        if term in self._idf or len(term) < MIN_TYPO_LENGTH or not term.isalpha():
            return term
        if CYRILLIC_RE.search(term) and default_lemmatizer().is_known(term):
            return term  # «привіт» is no typo of «приват»: a dictionary word is what it says
        if self._typo_keys is None:
            keys: Dict[str, Set[str]] = {}
            for known in self._idf:
                if len(known) >= MIN_TYPO_LENGTH - 1 and known.isalpha():
                    for key in _one_deleted(known) | {known}:
                        keys.setdefault(key, set()).add(known)
            self._typo_keys = keys
        near: Set[str] = set()
        for key in _one_deleted(term) | {term}:
            near |= self._typo_keys.get(key, set())
        return min(near, key=lambda known: (self._idf[known], known)) if near else term

    def bm25(self, query_lemmas: Sequence[str]) -> np.ndarray:
        scores = np.zeros(len(self.entry_ids), dtype=np.float64)
        for term in {self.spelled(t) for t in query_lemmas}:
            idf = self._idf.get(term)
            if idf is None:
                continue
            for i, count in self._postings[term]:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self._len[i] / self._avg_len)
                scores[i] += idf * count * (BM25_K1 + 1) / (count + norm)
        return scores

    def cosines(self, vector: Optional[np.ndarray]) -> np.ndarray:
        best = np.zeros(len(self.entry_ids), dtype=np.float64)
        if vector is None or self._vectors is None or not len(self._vectors):
            return best
        sims = self._vectors @ vector
        best[self._group_entries] = np.maximum.reduceat(sims, self._group_starts)
        return np.clip(best, 0.0, 1.0)

    def search(self, text: str, vector: Optional[np.ndarray] = None, k: int = 3) -> Tuple[List[Candidate], float]:
        """The k best entries and the confidence that the first one is what was asked."""
        candidates, confidence, _ = self.search_uncapped(text, vector, k)
        return candidates, confidence

    def search_uncapped(
        self, text: str, vector: Optional[np.ndarray] = None, k: int = 3
    ) -> Tuple[List[Candidate], float, float]:
        """`search`, plus the confidence before the cap: how sure the retriever is that some entry answers, even when
        two of them fit alike (the cap says which one is unclear, not that the question is no FAQ question)."""
        if not self.entry_ids:
            return [], 0.0, 0.0
        fused, cos, bm25, weight = self._scores(text, vector)
        order = np.argsort(-fused)[:k]
        candidates = [Candidate(self.entry_ids[i], float(fused[i]), float(cos[i]), float(bm25[i])) for i in order]
        best = candidates[0].score
        margin = best - (candidates[1].score if len(candidates) > 1 else 0.0)
        uncapped = confidence = self.calibration(best, margin) if best > 0 else 0.0
        if self.disagreement_cap is not None and not self._clear(cos, bm25, weight, int(order[0])):
            # The signals do not clearly pick the first entry: on held-out kb questions such answers were wrong
            # several times as often (scripts/tune_faq.py), so they are offered («did you mean»), not stated.
            confidence = min(confidence, self.disagreement_cap)
        return candidates, confidence, uncapped

    def _clear(self, cos: np.ndarray, bm25: np.ndarray, weight: float, first: int) -> bool:
        """Do the embeddings rank `first` first and (with close_call_lead) does it lead clearly enough?"""
        if not self._agree(cos, weight, first):
            return False
        return self.close_call_lead is None or weight == 0 or self._lead(cos, bm25, first) >= self.close_call_lead

    @staticmethod
    def _lead(cos: np.ndarray, bm25: np.ndarray, first: int) -> float:
        """How far `first` is ahead of the best other entry in cosine, plus how far in normalised BM25."""
        if len(cos) < 2:
            return 1.0
        others = np.arange(len(cos)) != first
        return float((cos[first] - cos[others].max()) + (bm25[first] - bm25[others].max()))

    def lead(self, text: str, vector: Optional[np.ndarray]) -> float:
        """The fused first entry's lead that `close_call_lead` checks (scripts/tune_faq.py tabulates it)."""
        if not self.entry_ids:
            return 1.0
        fused, cos, bm25, _ = self._scores(text, vector)
        return self._lead(cos, bm25, int(np.argsort(-fused)[0]))

    def embedding_agrees(self, text: str, vector: Optional[np.ndarray]) -> bool:
        """Does the embeddings' own first entry equal the fused first entry (what `disagreement_cap` checks)?"""
        if not self.entry_ids:
            return True
        fused, cos, _, weight = self._scores(text, vector)
        return self._agree(cos, weight, int(np.argsort(-fused)[0]))

    def _scores(self, text: str, vector: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Per entry: fused score, cosine, normalised BM25; and the cosine's weight (0 without embeddings)."""
        raw = self.bm25(lemmas(text))
        bm25 = raw / (raw + self.bm25_norm)
        cos = self.cosines(vector)
        weight = self.weight if vector is not None and self._vectors is not None else 0.0
        return weight * cos + (1 - weight) * bm25, cos, bm25, weight

    @staticmethod
    def _agree(cos: np.ndarray, weight: float, first: int) -> bool:
        return weight == 0 or int(np.argmax(cos)) == first

    # --- persistence ----------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "entry_ids": self.entry_ids,
            "doc_lemmas": self._doc_lemmas,
            "example_entries": self._example_entries.tolist(),
            "weight": self.weight,
            "bm25_norm": self.bm25_norm,
            "calibration": vars(self.calibration),
            "disagreement_cap": self.disagreement_cap,
            "close_call_lead": self.close_call_lead,
            "has_vectors": self._vectors is not None,
        }
        (folder / INDEX_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if self._vectors is not None:
            np.save(folder / VECTORS_FILE, self._vectors.astype(np.float32))

    @classmethod
    def load(cls, folder: Path) -> "FaqIndex":
        meta = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
        vectors = np.load(folder / VECTORS_FILE) if meta["has_vectors"] else None
        return cls(
            meta["entry_ids"],
            meta["doc_lemmas"],
            meta["example_entries"],
            vectors,
            weight=meta["weight"],
            bm25_norm=meta["bm25_norm"],
            calibration=Calibration(**meta["calibration"]),
            disagreement_cap=meta.get("disagreement_cap"),
            close_call_lead=meta.get("close_call_lead"),
        )


def fit_calibration(
    samples: Sequence[Tuple[float, float, bool]], iterations: int = 3000, rate: float = 0.5
) -> Calibration:
    """Logistic regression of correctness on (best, margin) by gradient descent (tiny data, numpy only)."""
    if not samples or all(ok for *_, ok in samples) or not any(ok for *_, ok in samples):
        return Calibration()
    x = np.array([[b, m, 1.0] for b, m, _ in samples], dtype=np.float64)
    y = np.array([1.0 if ok else 0.0 for *_, ok in samples])
    w = np.zeros(3)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        w -= rate * (x.T @ (p - y) / len(y) + 1e-3 * np.r_[w[:2], 0.0])
    return Calibration(a=float(w[0]), b=float(w[1]), c=float(w[2]))
