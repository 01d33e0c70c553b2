"""`dmsbot config`: the settings in effect (secrets hidden), or the README's configuration table."""

from __future__ import annotations

import argparse

from dmsbot.settings import SETTINGS, settings


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default not in (None, "") else "—"
        lines.append(f"| `{s.name}` | {default} | {s.meaning} |")
    return "\n".join(lines)


def cmd_config(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
    current = settings()
    for name, value, meaning in current.describe():
        print(f"{name}={value}\t# {meaning}")
    missing = current.missing_for_production()
    if current.production and missing:
        print("missing for production: " + ", ".join(missing))
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show the settings in effect (secrets hidden)")
    parser.add_argument("--markdown", action="store_true", help="print the README's configuration table")
    parser.set_defaults(func=cmd_config)
