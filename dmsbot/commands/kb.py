"""`dmsbot kb check`: validate the knowledge base an editor changed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dmsbot.clock import today as bot_today
from dmsbot.settings import settings
from kbengine import DEFAULT_KB_DIR, KnowledgeBaseError, load_knowledge_base
from kbengine.faq import load_faq
from kbengine.stale import format_report, stale_items


def _check(args: argparse.Namespace) -> int:
    # The folder the bot reads: --kb-dir, else DMSBOT_KB_DIR, else the project's kb/.
    kb_dir = Path(args.kb_dir or settings().dmsbot_kb_dir or DEFAULT_KB_DIR)
    try:
        kb = load_knowledge_base(kb_dir)
        today = bot_today()
        faq = load_faq(kb_dir, kb, today)
    except KnowledgeBaseError as exc:
        print(f"Knowledge base error: {exc}", file=sys.stderr)
        return 1
    facts = sum(
        len(d.checklist) + len(d.notices) + len(d.places) + len(d.processing_times) for d in kb.documents.values()
    )
    unconfirmed = sum(
        f.unconfirmed for d in kb.documents.values() for f in (*d.checklist, *d.notices, *d.places, *d.processing_times)
    )
    print(
        f"OK: {len(kb.documents)} documents, {facts} facts ({unconfirmed} marked unconfirmed), {len(kb.questions)} questions, "
        f"{len(faq)} FAQ entries ({sum(len(e.questions) for e in faq.entries.values())} example questions)."
    )
    for note in faq.notes:
        print(f"  note: {note}")
    items = stale_items(kb, today, kb_dir, faq)
    if args.stale:
        print(format_report(items, today, root=kb_dir.parent))
    elif items:
        print(
            f"  note: {len(items)} fact(s) to recheck (old sources, no price reported in {today.year}, "
            f"unconfirmed): dmsbot kb check --stale"
        )
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("kb", help="knowledge base tools")
    kb_sub = parser.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    check = kb_sub.add_parser("check", help="validate kb/*.yml and report the file and field of any error")
    check.add_argument(
        "--kb-dir", default=None, help="knowledge base folder (default: $DMSBOT_KB_DIR, else kb/ of the project)"
    )
    check.add_argument(
        "--stale",
        action="store_true",
        help="also list, by file, facts with sources older than 12 months, fees with no price reported this year "
        "and unconfirmed facts (the list to work through on 1 January)",
    )
    check.set_defaults(func=_check)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)
