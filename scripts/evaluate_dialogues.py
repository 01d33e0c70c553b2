"""Follow-up dialogues over REST against the real Rasa and action servers: what the reply to each dialogue's last
turn is (eval/dialogues*.yml). Part of `make evaluate`; the evaluation sets of scripts/evaluate.py are single
questions and cannot show how a follow-up leans on the conversation.

Each reply is one of: the right entry (sure or said to be a guess), a wrong entry (sure or a guess), a list that
holds a right entry, a list without one, or anything else (a checklist answer, a form question, a refusal).
Prints the counts per set and writes results/dialogues.json with every reply.

    .venv/bin/python scripts/evaluate_dialogues.py [--model models/x.tar.gz] [--url http://127.0.0.1:5005]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kbengine import load_knowledge_base  # noqa: E402
from kbengine.faq import load_faq, render_answer  # noqa: E402

SETS = [ROOT / "eval" / "dialogues.yml", ROOT / "eval" / "dialogues_2.yml"]
HEDGES = ("Схоже, ви питаєте про це", "It looks like you are asking this")
LISTS = ("Можливо, ви питаєте про", "Did you mean", "Якщо ж ви питаєте про документи", "If your question is about")
OUTCOMES = [
    "right, sure",
    "right, a guess",
    "wrong, sure",
    "wrong, a guess",
    "list with a right entry",
    "list without one",
    "other",
]
RASA_PORT, ACTION_PORT = 18105, 18155
DAY = "2026-11-25"  # tests/e2e/rasa_stack.py: the day the servers answer on (fees in force, "as of")


class Replies:
    """Talks to a running REST channel; the first message of each dialogue gets a server-issued sender id."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def dialogue(self, turns: List[str]) -> List[dict]:
        sender, out = "", []
        for turn in turns:
            response = requests.post(
                f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": turn}, timeout=120
            )
            response.raise_for_status()
            sender = response.headers.get("X-Sender-Id") or sender or f"eval-{uuid.uuid4().hex[:8]}"
            out = response.json()
        return out


def entry_of(text: str, first_lines: Dict[str, List[str]]) -> Optional[str]:
    """The kb/faq entry whose rendered answer (first line, either language) the reply holds."""
    for entry_id, lines in first_lines.items():
        if any(line and line in text for line in lines):
            return entry_id
    return None


def outcome(messages: List[dict], expect: List[str], first_lines: Dict[str, List[str]]) -> Dict[str, object]:
    text = "\n".join(m.get("text") or "" for m in messages)
    payloads = [b.get("payload", "") for m in messages for b in m.get("buttons") or []]
    got = entry_of(text, first_lines)
    if got:
        kind = ("right" if got in expect else "wrong") + (", a guess" if text.startswith(HEDGES) else ", sure")
    elif any(line in text for line in LISTS):
        listed = any(f'"faq_id":"{e}"' in p for e in expect for p in payloads)
        kind = "list with a right entry" if listed else "list without one"
    else:
        kind = "other"
    return {"outcome": kind, "got": got, "reply": text[:300]}


def evaluate(replies: Replies, sets: List[Path], day: dt.date) -> Dict[str, object]:
    kb, faq = load_knowledge_base(), load_faq()
    first_lines = {
        e.id: [render_answer(e, kb, lang, day).split("\n")[0][:80] for lang in ("uk", "en")]
        for e in faq.entries.values()
    }
    report: Dict[str, object] = {}
    for path in sets:
        rows = []
        for dialogue in yaml.safe_load(path.read_text(encoding="utf-8"))["dialogues"]:
            result = outcome(replies.dialogue(dialogue["turns"]), dialogue["expect"], first_lines)
            rows.append({"turns": dialogue["turns"], "expect": dialogue["expect"], **result})
        counts = Counter(r["outcome"] for r in rows)
        report[path.name] = {"n": len(rows), "counts": {k: counts.get(k, 0) for k in OUTCOMES}, "dialogues": rows}
    return report


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model archive (default: newest models/*.tar.gz)")
    parser.add_argument("--url", help="a running server's REST channel instead of starting one (its day: --day)")
    parser.add_argument("--day", default=DAY, help="the day the servers answer on (DMSBOT_TODAY)")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("sets", nargs="*", type=Path, default=SETS)
    args = parser.parse_args(argv)
    day = dt.date.fromisoformat(args.day)
    stack = None
    if args.url:
        replies = Replies(args.url)
    else:
        from tests.e2e.rasa_stack import RasaStack  # the stack the end-to-end tests run: closed, 127.0.0.1 only

        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        model = args.model or (models[-1] if models else None)
        if model is None:
            parser.error("no model: run `make train` first")
        workdir = Path(tempfile.mkdtemp(prefix="dialogues-"))
        stack = RasaStack(model, workdir, RASA_PORT, ACTION_PORT, env={"DMSBOT_TODAY": args.day}).start()
        replies = Replies(stack.url)
    try:
        report = evaluate(replies, args.sets, day)
    finally:
        if stack is not None:
            stack.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dialogues.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, part in report.items():
        counts = part["counts"]
        right = counts["right, sure"] + counts["right, a guess"]
        wrong = counts["wrong, sure"] + counts["wrong, a guess"]
        print(f"{name}: {part['n']} dialogues; the last reply gives the right entry in {right}, a wrong one in {wrong}")
        for kind in OUTCOMES:
            print(f"  {kind:24} {counts[kind]}")
    print(f"written: {args.out / 'dialogues.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
