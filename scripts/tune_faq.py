#!/usr/bin/env python
"""Tunes the FAQ retriever outside Rasa: k-fold over the example questions of kb/faq (one question per entry held
out per fold), sentence model trained on the rest, BM25 alone / embeddings alone / fused at several weights, and
the calibration of the confidence (logistic fit on the held-out folds).

    .venv/bin/python scripts/tune_faq.py [--kb-dir kb] [--folds 3] [--out results/faq_tuning.json]

Prints top-1/top-3 per method and weight, then the calibration and, per confidence threshold, the share of
held-out questions answered confidently and how many of those were wrong; at the configured settings, how often the
first entry is right by how clearly the signals pick it, and by its lead (with the suggested `close_call_lead`).
Copy the chosen `weight`, `bm25_norm`, calibration and lead into config.yml (nlu.faq_retriever.FaqRetriever).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def train_encoder(examples, folder: Path, pairs: int, vocab: int, epochs: int, members: int = 1):
    from nlu.sentence_model import load_encoder, train_in_subprocess

    train_in_subprocess(
        [list(e) for e in examples],
        folder,
        folder / "model",
        vocab_size=vocab,
        pairs_per_intent=pairs,
        epochs=epochs,
        members=members,
    )
    return load_encoder(folder / "model")


def configured_retriever() -> dict:
    import yaml

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    return next(c for c in pipeline if c["name"] == "nlu.faq_retriever.FaqRetriever")


LEAD_EDGES = (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.25, 0.35)
WELL_PICKED = 0.90  # close_call_lead: the lowest lead from which every bucket's answers are right this often


def lead_table(samples, leads, agreeing, calibration, answer_threshold: float) -> dict:
    """Answered held-out questions (calibrated confidence >= answer_threshold, embeddings agreeing) by the first
    entry's lead in cosine + normalised BM25: how many, how often right; and the lead `close_call_lead` should be."""
    picked = [
        (lead, ok)
        for (s, m, ok), lead, agrees in zip(samples, leads, agreeing)
        if agrees and calibration(s, m) >= answer_threshold
    ]
    buckets = []
    for low, high in zip(LEAD_EDGES, LEAD_EDGES[1:] + (float("inf"),)):
        inside = [ok for lead, ok in picked if low <= lead < high]
        buckets.append({"from": low, "answered": len(inside), "right": sum(inside) / len(inside) if inside else None})
    suggested = next(
        (
            b["from"]
            for i, b in enumerate(buckets)
            if all(r["right"] is None or r["right"] >= WELL_PICKED for r in buckets[i:])
        ),
        None,
    )
    print(
        f"\nanswered (confidence >= {answer_threshold}) by lead; close_call_lead: the lowest lead from which "
        f"every bucket is right >= {WELL_PICKED:.0%} of the time"
    )
    for b in buckets:
        right = f"{b['right']:.3f}" if b["right"] is not None else "  -  "
        print(f"  lead >= {b['from']:.2f}: {b['answered']:5d} answered, right {right}")
    print(f"suggested close_call_lead: {suggested}")
    return {"buckets": buckets, "suggested_close_call_lead": suggested}


def agreement_label(index, question: str, vector, close_call_lead) -> str:
    """The kind of a held-out question: "disagree" (the embeddings alone rank another entry first), "close" (they
    agree, but the first entry leads the best other by less than `close_call_lead` in cosine + normalised BM25) or
    "clear"."""
    if not index.embedding_agrees(question, vector):
        return "disagree"
    if close_call_lead is not None and index.lead(question, vector) < close_call_lead:
        return "close"
    return "clear"


def agreement_table(samples, labels, total: int) -> dict:
    """How often the first entry is right when the signals clearly pick it, when they pick it by a hair, and when
    the embeddings disagree, at the configured weight, calibration and answer threshold (the reason for
    `disagreement_cap` and `close_call_lead`)."""
    from nlu.faq_index import Calibration

    config = configured_retriever()
    key = (config["weight"], config["bm25_norm"])
    if key not in samples:
        return {}
    calibration = Calibration(**config["calibration"])
    table = {}
    kinds = ("clear", "close", "disagree")
    print(
        f"\nconfigured weight={key[0]} bm25_norm={key[1]} close_call_lead={config.get('close_call_lead')}: "
        "first entry right, by how clearly the signals pick it"
    )
    print("           " + "".join(f"{k:>9s}: share  right" for k in kinds))
    for label, threshold in (("all", 0.0), ("answered", config["answer_threshold"])):
        row = {}
        for kind in kinds:
            picked = [
                ok
                for (s, m, ok), found in zip(samples[key], labels[key])
                if found == kind and calibration(s, m) >= threshold
            ]
            row[kind] = {"share": len(picked) / total, "right": sum(picked) / len(picked) if picked else None}
        table[label] = row
        print(f"{label:9s}  " + "".join(f"{row[k]['share']:16.3f}  {row[k]['right'] or 0:.3f}" for k in kinds))
    return table


def main() -> int:
    from kbengine.faq import load_faq
    from nlu.faq_index import Calibration, FaqIndex, fit_calibration

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb-dir", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--vocab", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--members", type=int, default=None, help="ensemble size (default: config.yml's)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "faq_tuning.json")
    args = parser.parse_args()

    faq = load_faq(args.kb_dir)
    answers = faq.answer_words()  # BM25 reads the answers too, as in nlu/faq_retriever.py
    weights = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0]
    norms = [2.0, 4.0, 8.0]
    hits = {(w, n): [0, 0] for w in weights for n in norms}
    samples = {(w, n): [] for w in weights for n in norms}
    labels = {(w, n): [] for w in weights for n in norms}  # agreement_label of each held-out question
    leads = {(w, n): [] for w in weights for n in norms}  # the first entry's lead (lead_table)
    configured = configured_retriever()
    members = args.members or configured.get("members", 1)
    close_call_lead = configured.get("close_call_lead")
    total = 0
    started = time.time()
    for fold in range(args.folds):
        train, test = [], []
        for entry in faq.entries.values():
            held = fold % len(entry.questions)
            for i, q in enumerate(entry.questions):
                (test if i == held else train).append((q, entry.id))
        with tempfile.TemporaryDirectory() as tmp:
            encoder = train_encoder(train, Path(tmp), args.pairs, args.vocab, args.epochs, members)
        vectors = encoder.encode([q for q, _ in test])
        for w, n in hits:
            index = FaqIndex.build(train, encoder, extra_text=answers, weight=w, bm25_norm=n)
            for (q, expected), vector in zip(test, vectors):
                found, _ = index.search(q, vector, k=3)
                ids = [c.entry_id for c in found]
                hits[(w, n)][0] += ids[:1] == [expected]
                hits[(w, n)][1] += expected in ids
                margin = found[0].score - (found[1].score if len(found) > 1 else 0)
                samples[(w, n)].append((found[0].score, margin, ids[:1] == [expected]))
                labels[(w, n)].append(agreement_label(index, q, vector, close_call_lead))
                leads[(w, n)].append(index.lead(q, vector))
        total += len(test)
        print(
            f"fold {fold + 1}/{args.folds}: {len(train)} training, {len(test)} held-out questions "
            f"({time.time() - started:.0f} s)",
            flush=True,
        )

    print(f"\n{len(faq)} entries, {total} held-out questions over {args.folds} folds")
    print("weight  bm25_norm  top-1   top-3")
    for (w, n), (t1, t3) in sorted(hits.items()):
        print(f"{w:6.1f}  {n:9.1f}  {t1 / total:.3f}  {t3 / total:.3f}")
    best = max(hits, key=lambda key: (hits[key][0], hits[key][1]))
    calibration = fit_calibration(samples[best])
    print(
        f"\nbest: weight={best[0]} bm25_norm={best[1]}; calibration a={calibration.a:.3f} b={calibration.b:.3f} "
        f"c={calibration.c:.3f}"
    )
    print("threshold  answered  wrong-among-all  (confident share, confident wrong / all held-out)")
    rows = []
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        confident = [(s, m, ok) for s, m, ok in samples[best] if calibration(s, m) >= threshold]
        wrong = sum(not ok for *_, ok in confident)
        rows.append({"threshold": threshold, "answered": len(confident) / total, "confident_wrong": wrong / total})
        print(f"{threshold:9.2f}  {len(confident) / total:8.3f}  {wrong / total:15.3f}")
    agreement = agreement_table(samples, labels, total)
    key = (configured["weight"], configured["bm25_norm"])
    by_lead = (
        lead_table(
            samples[key],
            leads[key],
            [label != "disagree" for label in labels[key]],
            Calibration(**configured["calibration"]),
            configured["answer_threshold"],
        )
        if key in samples
        else {}
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "entries": len(faq),
                "held_out": total,
                "folds": args.folds,
                "grid": [
                    {"weight": w, "bm25_norm": n, "top1": t1 / total, "top3": t3 / total}
                    for (w, n), (t1, t3) in hits.items()
                ],
                "best": {"weight": best[0], "bm25_norm": best[1]},
                "calibration": vars(calibration),
                "thresholds": rows,
                "agreement": agreement,
                "lead": by_lead,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
