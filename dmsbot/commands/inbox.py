"""`dmsbot inbox` — the trainer's loop: export unsure messages, label them, merge them into data/.

    dmsbot inbox export [--db URL] [--threshold 0.6] [--since 2026-11-01] [-o var/inbox.yml]
    dmsbot inbox merge var/inbox.yml            # labelled ones -> data/nlu/inbox.yml, after `rasa data validate`

The export reads user messages from Rasa's SQL tracker store (SQLite or PostgreSQL; by default the
`tracker_store` of endpoints.yml) whose intent was `nlu_fallback` or whose confidence was below the
threshold, and writes a YAML file where the trainer fills in `intent:` (and may mark entities in
`text:` with Rasa's [text]{"entity": ..., "value": ...} markup), or writes `skip`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
INBOX_DATA = Path("data") / "nlu" / "inbox.yml"
HELDOUT = Path("tests") / "nlu" / "heldout.yml"
# The held-out sets are never trained on (tests/nlu/test_data.py).
HELDOUT_SETS = (HELDOUT, Path("tests") / "nlu" / "heldout_fresh.yml", Path("tests") / "nlu" / "heldout_3.yml")
# Nor are the FAQ evaluation sets (`questions: [{text, lang, expect}]`; tests/faq/test_eval_separation.py): the first,
# the second to fourth, the sixth, the seventh and the tenth written blind to the training data, the fifth, the eighth
# and the ninth development sets whose misses are read (docs/faq.md, "Measuring").
FAQ_EVAL_SETS = tuple(
    Path("eval") / f"faq_questions{suffix}.yml"
    for suffix in ("", "_2", "_3", "_4", "_5", "_6", "_7", "_8", "_9", "_10")
)
SKIP = "skip"
_ANNOTATION = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")


# ------------------------------------------------------------------ tracker store
def _expand(value: Any) -> Any:
    return os.path.expandvars(str(value)) if value is not None else None


def tracker_db_url(endpoints: Path) -> str:
    """SQLAlchemy URL of the tracker store configured in endpoints.yml (SQL type only)."""
    import yaml
    from sqlalchemy.engine.url import URL

    config = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    if str(config.get("type", "")).upper() != "SQL":
        raise ValueError(f"{endpoints}: tracker_store is not an SQL store; pass --db URL")
    dialect = _expand(config.get("dialect", "sqlite"))
    db = _expand(config.get("db", "rasa.db"))
    if dialect == "sqlite":
        path = Path(db)
        return f"sqlite:///{path if path.is_absolute() else (endpoints.parent / path).resolve()}"
    port = _expand(config.get("port"))
    return str(
        URL.create(
            drivername=dialect,
            username=_expand(config.get("username")),
            password=_expand(config.get("password")),
            host=_expand(config.get("url")),
            port=int(port) if port and port.isdigit() else None,
            database=db,
        )
    )


def unsure_messages(db_url: str, threshold: float, since: Optional[dt.datetime] = None) -> List[Dict[str, Any]]:
    """User messages the NLU was unsure about, oldest first, one row per distinct text."""
    import sqlalchemy as sa
    from sqlalchemy.engine.url import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise FileNotFoundError(f"tracker store {url.database} does not exist (no conversations yet?)")
    engine = sa.create_engine(db_url)
    if not sa.inspect(engine).has_table("events"):
        engine.dispose()
        return []
    query = "SELECT sender_id, timestamp, data FROM events WHERE type_name = 'user'"
    params: Dict[str, Any] = {}
    if since is not None:
        query += " AND timestamp >= :since"
        params["since"] = since.timestamp()
    query += " ORDER BY timestamp"
    seen: Set[str] = set()
    rows: List[Dict[str, Any]] = []
    with engine.connect() as conn:
        for sender_id, timestamp, data in conn.execute(sa.text(query), params):
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                continue
            text = (event.get("text") or "").strip()
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            name = intent.get("name")
            confidence = float(intent.get("confidence") or 0.0)
            # Button payloads («/inform{...}») are not free text.
            if not text or text.startswith("/") or text in seen:
                continue
            if name != "nlu_fallback" and confidence >= threshold:
                continue
            ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
            seen.add(text)
            rows.append(
                {
                    "text": text,
                    "predicted": name,
                    "confidence": round(confidence, 3),
                    "candidates": [f"{r['name']} ({float(r.get('confidence') or 0):.2f})" for r in ranking[:3]],
                    "conversation": str(sender_id)[:8] + "…",  # enough to find it, not a full identifier
                    "at": dt.datetime.fromtimestamp(timestamp or 0, dt.timezone.utc).isoformat(timespec="seconds"),
                }
            )
    engine.dispose()
    return rows


def cmd_export(args: argparse.Namespace) -> int:
    import yaml

    try:
        db_url = args.db or tracker_db_url(Path(args.endpoints))
        since = dt.datetime.fromisoformat(args.since).replace(tzinfo=dt.timezone.utc) if args.since else None
        rows = unsure_messages(db_url, args.threshold, since)
    except Exception as exc:  # a CLI answers with a message, not a traceback
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    known = _known_texts(Path(args.project))
    rows = [r for r in rows if _key(r["text"]) not in known]
    for row in rows:
        row["intent"] = ""
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Messages the assistant was unsure about. For each one set `intent:` to the right intent\n"
        '# (or `skip`); you may mark entities inside `text:` like [айдішку]{"entity": "doc_type", "value": "id_card"}.\n'
        "# Then run: dmsbot inbox merge " + str(out) + "\n"
    )
    out.write_text(header + yaml.safe_dump({"messages": rows}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"{len(rows)} message(s) to label written to {out}")
    return 0


# ------------------------------------------------------------------ merge
def _plain(text: str) -> str:
    return _ANNOTATION.sub(r"\1", text)


def _key(text: str) -> str:
    from textnorm import normalize_apostrophes

    return re.sub(r"\s+", " ", normalize_apostrophes(_plain(text)).lower()).strip().rstrip("?.!")


def _known_texts(project: Path, include_heldout: bool = True) -> Set[str]:
    texts: Set[str] = set()
    paths = list((project / "data" / "nlu").rglob("*.yml"))
    if include_heldout:
        paths.extend(project / path for path in HELDOUT_SETS)
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("- ") and not re.match(r"- (intent|synonym|regex|lookup):", line):
                texts.add(_key(line[2:]))
    return texts


def _heldout_texts(project: Path) -> Set[str]:
    """Messages of the held-out sets and questions of the FAQ evaluation sets: none may become training data."""
    import yaml

    texts = {
        _key(l.strip()[2:])
        for path in HELDOUT_SETS
        if (project / path).exists()
        for l in (project / path).read_text(encoding="utf-8").splitlines()
        if l.strip().startswith("- ") and not l.strip().startswith("- intent:")
    }
    for path in FAQ_EVAL_SETS:
        if (project / path).exists():
            questions = yaml.safe_load((project / path).read_text(encoding="utf-8"))["questions"]
            texts |= {_key(str(q["text"])) for q in questions}
    return texts


def _domain_names(project: Path) -> Tuple[Set[str], Set[str]]:
    import yaml

    intents: Set[str] = set()
    entities: Set[str] = set()
    domain = project / "domain"
    files = list(domain.glob("*.yml")) if domain.is_dir() else [project / "domain.yml"]
    for path in files:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("intents") or []:
            intents.add(item if isinstance(item, str) else next(iter(item)))
        for item in content.get("entities") or []:
            entities.add(item if isinstance(item, str) else next(iter(item)))
    return intents, entities


def check_labelled(rows: Iterable[Dict[str, Any]], project: Path) -> Tuple[List[Tuple[str, str]], List[str]]:
    """Returns ((intent, text) to add, problems). Unlabelled and `skip` rows are left out."""
    from nlu.canonical import CANONICAL_VALUES

    intents, entities = _domain_names(project)
    heldout = _heldout_texts(project)
    known = _known_texts(project, include_heldout=False)
    accepted: List[Tuple[str, str]] = []
    problems: List[str] = []
    for row in rows:
        text = str(row.get("text") or "").strip().replace("\n", " ")
        intent = str(row.get("intent") or "").strip()
        if not text or not intent or intent == SKIP:
            continue
        if intent not in intents or intent.startswith("EXTERNAL_"):
            problems.append(f"«{_plain(text)}»: unknown intent '{intent}'")
            continue
        if _key(text) in heldout:
            problems.append(f"«{_plain(text)}»: is in a held-out or evaluation set, never train on it")
            continue
        if _key(text) in known:
            continue  # already in the training data
        for match in _ANNOTATION.finditer(text):
            markup = match.group(2)
            if markup.startswith("{"):
                try:
                    spec = json.loads(markup)
                except ValueError:
                    problems.append(f"«{_plain(text)}»: bad entity markup {markup}")
                    break
                name, value = spec.get("entity"), str(spec.get("value", match.group(1)))
            else:
                name, value = markup[1:-1], match.group(1)
            if name not in entities:
                problems.append(f"«{_plain(text)}»: unknown entity '{name}'")
                break
            if name in CANONICAL_VALUES and value not in CANONICAL_VALUES[name]:
                problems.append(f"«{_plain(text)}»: '{value}' is not a canonical value of {name}")
                break
        else:
            accepted.append((intent, text))
            known.add(_key(text))
    return accepted, problems


def write_inbox_data(path: Path, additions: List[Tuple[str, str]]) -> None:
    """Appends examples to the trainer's NLU file (data/nlu/inbox.yml), grouped by intent."""
    import yaml

    existing: Dict[str, List[str]] = {}
    if path.exists():
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in content.get("nlu") or []:
            examples = [e[2:] for e in str(block.get("examples", "")).splitlines() if e.startswith("- ")]
            existing.setdefault(block["intent"], []).extend(examples)
    for intent, text in additions:
        existing.setdefault(intent, []).append(text)
    lines = ["# Real user messages labelled by trainers (`dmsbot inbox merge`).", 'version: "3.1"', "nlu:"]
    for intent in sorted(existing):
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in existing[intent]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rasa_validate(project: Path) -> Tuple[bool, str]:
    rasa = project / ".venv" / "bin" / "rasa"
    cmd = [
        str(rasa) if rasa.exists() else "rasa",
        "data",
        "validate",
        "--domain",
        "domain",
        "--data",
        "data",
        "--config",
        "config.yml",
    ]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


def cmd_merge(args: argparse.Namespace) -> int:
    import yaml

    project = Path(args.project)
    try:
        content = yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    accepted, problems = check_labelled(content.get("messages") or [], project)
    for problem in problems:
        print(f"rejected: {problem}", file=sys.stderr)
    if not accepted:
        print("nothing to merge")
        return 1 if problems else 0
    target = project / INBOX_DATA
    backup = target.read_text(encoding="utf-8") if target.exists() else None
    write_inbox_data(target, accepted)
    if not args.no_validate:
        ok, output = rasa_validate(project)
        if not ok:
            # Leave data/ as it was: a merge never breaks training.
            if backup is None:
                target.unlink()
            else:
                target.write_text(backup, encoding="utf-8")
            print("error: `rasa data validate` failed, nothing merged:\n" + output, file=sys.stderr)
            return 2
    print(f"merged {len(accepted)} example(s) into {INBOX_DATA}; retrain with `make train`, check with `make evaluate`")
    return 1 if problems else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inbox", help="export unsure user messages for labelling; merge labelled ones")
    sub = parser.add_subparsers(dest="inbox_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: parser.print_help() or 0)

    export = sub.add_parser("export", help="low-confidence and fallback messages from the tracker store")
    export.add_argument("--db", help="SQLAlchemy URL of the tracker store (default: endpoints.yml)")
    export.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    export.add_argument("--threshold", type=float, default=0.6, help="export messages below this confidence")
    export.add_argument("--since", help="only messages from this date (YYYY-MM-DD)")
    export.add_argument("-o", "--output", default=str(ROOT / "var" / "inbox.yml"))
    export.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    export.set_defaults(func=cmd_export)

    merge = sub.add_parser("merge", help="add the labelled messages to data/nlu/inbox.yml")
    merge.add_argument("file", help="the labelled export file")
    merge.add_argument("--no-validate", action="store_true", help="skip `rasa data validate` (not recommended)")
    merge.add_argument("--project", default=str(ROOT), help=argparse.SUPPRESS)
    merge.set_defaults(func=cmd_merge)
