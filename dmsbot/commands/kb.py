"""`dmsbot kb check`: validate the knowledge base an editor changed."""
from __future__ import annotations

import argparse
import sys

from dmsbot.clock import today as bot_today
from kbengine import KnowledgeBaseError, load_knowledge_base
from kbengine.faq import load_faq


def _check(args: argparse.Namespace) -> int:
    try:
        kb = load_knowledge_base(args.kb_dir)
        today = bot_today()
        faq = load_faq(args.kb_dir, kb, today)
    except KnowledgeBaseError as exc:
        print(f"Knowledge base error: {exc}", file=sys.stderr)
        return 1
    facts = sum(len(d.checklist) + len(d.notices) + len(d.places) + len(d.processing_times) for d in kb.documents.values())
    unconfirmed = sum(
        f.unconfirmed
        for d in kb.documents.values()
        for f in (*d.checklist, *d.notices, *d.places, *d.processing_times)
    )
    print(f"OK: {len(kb.documents)} documents, {facts} facts ({unconfirmed} marked unconfirmed), {len(kb.questions)} questions, "
          f"{len(faq)} FAQ entries ({sum(len(e.questions) for e in faq.entries.values())} example questions).")
    for note in faq.notes:
        print(f"  note: {note}")
    for doc in kb.documents.values():
        for fee in doc.fees:
            entry = fee.in_force(today)
            if entry is not None and (today - entry.source.as_of).days > 365:
                print(f"  note: {doc.doc_type} fee {fee.id!r}: newest source is from {entry.source.as_of}; check it is still current.")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("kb", help="knowledge base tools")
    kb_sub = parser.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    check = kb_sub.add_parser("check", help="validate kb/*.yml and report the file and field of any error")
    check.add_argument("--kb-dir", default=None, help="knowledge base folder (default: kb/ of the project)")
    check.set_defaults(func=_check)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)
