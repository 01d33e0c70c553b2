"""`dmsbot status …` (stage changes by hand or from a CSV) and `dmsbot serve` (tracking service)."""

from __future__ import annotations

import argparse
import sys

from tracking.stages import DOC_TYPES, STAGES


def _store():  # type: ignore[no-untyped-def]
    from tracking.store import TrackingStore

    return TrackingStore()


def cmd_set(args: argparse.Namespace) -> int:
    from tracking.api import parse_changed_at

    try:
        changed_at = parse_changed_at(args.changed_at) if args.changed_at else None
        result = _store().apply_status(args.doc_type, args.document_number, args.stage, changed_at, "cli")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if result.accepted:
        print(f"{args.doc_type} {result.masked}: stage is now {result.stage}; {result.queued} notification(s) queued")
    else:
        print(f"{args.doc_type} {result.masked}: ignored (stage stays {result.stage}; replay or backwards)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        view = _store().get_status(args.doc_type, args.document_number)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if view is None:
        print("not known to the tracking store")
        return 1
    print(f"{view.doc_type} {view.masked} ({view.base_kind}): {view.stage or '-'} since {view.stage_changed_at}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tracking.csvimport import import_csv

    try:
        with open(args.file, newline="", encoding="utf-8-sig") as fh:
            report = import_csv(_store(), fh)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    for line, message in report.errors:
        print(f"{args.file}:{line}: {message}", file=sys.stderr)
    print(
        f"imported: {report.accepted} change(s) applied, {report.ignored} ignored (replay/backwards), "
        f"{len(report.errors)} bad row(s), {report.queued} notification(s) queued"
    )
    return 1 if report.errors else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from tracking.service import main_serve

    only = args.only
    return main_serve(
        host=args.host,
        port=args.port,
        api=only in (None, "api"),
        notifiers=0 if only == "api" else args.workers,
        simulator=True if args.demo_simulator else None,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("status", help="application stages: set by hand, show, import a CSV")
    sub = p.add_subparsers(dest="status_command", metavar="ACTION")
    s = sub.add_parser("set", help="record a stage change (notifies subscribers)")
    s.add_argument("doc_type", choices=DOC_TYPES)
    s.add_argument("document_number", help="base document series/number, e.g. КВ123456")
    s.add_argument("stage", choices=STAGES)
    s.add_argument("--changed-at", help="ISO 8601 time of the change (default: now)")
    s.set_defaults(func=cmd_set)
    s = sub.add_parser("show", help="show the stage the store knows")
    s.add_argument("doc_type", choices=DOC_TYPES)
    s.add_argument("document_number")
    s.set_defaults(func=cmd_show)
    s = sub.add_parser("import", help="import a day's changes: CSV with doc_type,document_number,stage,changed_at")
    s.add_argument("file")
    s.set_defaults(func=cmd_import)
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1])

    sv = subparsers.add_parser("serve", help="run the tracking service: status API, notifier, demo simulator")
    sv.add_argument("--host", default=None, help="status API host (TRACKING_API_HOST, default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=None, help="status API port (TRACKING_API_PORT, default 5080)")
    sv.add_argument("--workers", type=int, default=None, help="notifier workers (NOTIFIER_WORKERS, default 1)")
    sv.add_argument("--only", choices=("api", "notifier"), default=None, help="run only one part")
    sv.add_argument("--demo-simulator", action="store_true", help="advance stages on a timer (DEMO_SIMULATOR=1)")
    sv.set_defaults(func=cmd_serve)
