"""`dmsbot subscriptions …`: list subscriptions and reminders, remove them, forget a chat."""

from __future__ import annotations

import argparse


def _store():  # type: ignore[no-untyped-def]
    from tracking.store import TrackingStore

    return TrackingStore()


def cmd_list(args: argparse.Namespace) -> int:
    subs = _store().list_subscriptions(args.chat)
    for s in subs:
        print(
            f"{s.id}\t{s.channel}:{args.chat or '-'}\t{s.doc_type}\t{s.masked}\t{s.stage or '-'}\t{s.created_at:%Y-%m-%d}"
        )
    print(f"{len(subs)} subscription(s)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    n = _store().unsubscribe(args.chat, subscription_id=args.id)
    print(f"{n} subscription(s) removed")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    counts = _store().delete_user_data(args.chat)
    print("removed: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    rs = _store().list_reminders(args.chat)
    for r in rs:
        print(
            f"{r.id}\t{r.channel}:{r.chat_id}\t{r.doc_type}\t{r.kind}\texpires {r.expiry_date}\t"
            f"remind {r.remind_on}\t{'queued' if r.queued else 'scheduled'}"
        )
    print(f"{len(rs)} reminder(s)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("subscriptions", help="tracking subscriptions and expiry reminders")
    sub = p.add_subparsers(dest="subs_command", metavar="ACTION")
    s = sub.add_parser("list", help="list subscriptions (of one chat with --chat)")
    s.add_argument("--chat")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser("remove", help="remove a chat's subscription(s)")
    s.add_argument("--chat", required=True)
    s.add_argument("--id", type=int, help="only this subscription (default: all of the chat)")
    s.set_defaults(func=cmd_remove)
    s = sub.add_parser("forget", help="delete everything stored about a chat")
    s.add_argument("--chat", required=True)
    s.set_defaults(func=cmd_forget)
    s = sub.add_parser("reminders", help="list expiry reminders")
    s.add_argument("--chat")
    s.set_defaults(func=cmd_reminders)
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1])
