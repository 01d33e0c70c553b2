"""`dmsbot outbox …`: inspect notifications, list and retry dead letters."""

from __future__ import annotations

import argparse


def _store():  # type: ignore[no-untyped-def]
    from tracking.store import TrackingStore

    return TrackingStore()


def cmd_list(args: argparse.Namespace) -> int:
    rows = _store().outbox_rows(args.status, args.limit)
    for r in rows:
        stage = (r.entities or {}).get("stage", "")
        print(
            f"{r.id}\t{r.status}\tattempts={r.attempts}\t{r.channel}:{r.chat_id}\t{stage}\t{(r.last_error or '')[:120]}"
        )
    print(f"{len(rows)} row(s)")
    return 0


def cmd_stats(_args: argparse.Namespace) -> int:
    counts = _store().outbox_counts()
    for status in ("pending", "sending", "sent", "dead"):
        print(f"{status}\t{counts.get(status, 0)}")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    if not args.ids and not args.all:
        print("error: give row ids or --all", flush=True)
        return 2
    n = _store().retry_dead(None if args.all else args.ids)
    print(f"{n} dead row(s) put back to pending")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    print(f"{_store().purge_sent(args.older_than_days)} sent row(s) removed")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("outbox", help="notification outbox: list, stats, retry dead letters")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION")
    s = sub.add_parser("list", help="list rows (e.g. --status dead)")
    s.add_argument("--status", choices=("pending", "sending", "sent", "dead"))
    s.add_argument("--limit", type=int, default=100)
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("stats", help="count rows by status")
    s.set_defaults(func=cmd_stats)
    s = sub.add_parser("retry", help="put dead rows back to pending")
    s.add_argument("ids", nargs="*", type=int)
    s.add_argument("--all", action="store_true")
    s.set_defaults(func=cmd_retry)
    s = sub.add_parser("purge", help="remove sent rows older than N days")
    s.add_argument("--older-than-days", type=int, default=30)
    s.set_defaults(func=cmd_purge)
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1])
