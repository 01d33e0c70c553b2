"""`rasa data validate` that fails on any warning except two understood ones.

1. `EXTERNAL_status_changed` has no NLU examples by contract: only the notifier triggers it.
2. A response that no story or rule uses but that an action sends (`response="utter_..."` in actions/*.py) is used.
Every other warning fails the check, and a response used by neither is reported as unused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_INTENTS_WITHOUT_EXAMPLES = {"EXTERNAL_status_changed"}
NOISE = re.compile(
    r"DeprecationWarning|declare_namespace|pkg_resources|load_module|MovedIn20Warning|declarative_base|"
    r"xla_computation|warnings\.warn|^\s*$|^\s+\S|SQLALCHEMY"
)


def responses_sent_by_actions() -> tuple:
    """Names actions send, and prefixes of names they build (f"utter_tracking_stage_{stage}")."""
    names, prefixes = set(), set()
    for path in (ROOT / "actions").glob("*.py"):
        code = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""["'](utter_[A-Za-z0-9_]+)["']""", code))
        prefixes |= set(re.findall(r"""f["'](utter_[A-Za-z0-9_]*)\{""", code))
    return names, prefixes


def main() -> int:
    cmd = [
        str(ROOT / ".venv/bin/rasa"),
        "data",
        "validate",
        "--domain",
        "domain",
        "--data",
        "data",
        "--config",
        "config.yml",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    used_by_actions, built_prefixes = responses_sent_by_actions()
    problems = []
    for line in output.splitlines():
        if "Warning" not in line and "ERROR" not in line and "error" not in line.lower():
            continue
        if NOISE.search(line) or "Project validation completed" in line:
            continue
        unused = re.search(r"The utterance '(utter_\w+)' is not used in any story or rule", line)
        if unused and (
            unused.group(1) in used_by_actions
            or unused.group(1).startswith(tuple(built_prefixes) or ("\0",))
            or unused.group(1).startswith("utter_ask_")  # forms ask with these by name
        ):
            continue
        no_examples = re.search(r"The intent '(\w+)' is listed in the domain file, but is not found", line)
        if no_examples and no_examples.group(1) in ALLOWED_INTENTS_WITHOUT_EXAMPLES:
            continue
        problems.append(line.strip())
    if proc.returncode != 0 and not problems:
        # A YAML syntax error prints «YamlSyntaxException: …» with no word of a warning or an error in it.
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        problems = [line for line in lines if re.search(r"Exception|Failed|\(line: \d+\)", line)] or lines[-6:]
    if problems:
        print("rasa data validate reported:", *problems, sep="\n  ")
        return 1
    print("rasa data validate: no warnings (beyond the two documented in scripts/validate.py)")
    stale_warning()
    return 0


def stale_warning() -> None:
    """Facts to recheck are a warning, not a failure: the list an editor works through (dmsbot kb check --stale)."""
    sys.path.insert(0, str(ROOT))
    from dmsbot.clock import today
    from kbengine import DEFAULT_KB_DIR, load_knowledge_base
    from kbengine.faq import load_faq
    from kbengine.stale import format_report, stale_items

    day = today()
    kb = load_knowledge_base()
    items = stale_items(kb, day, DEFAULT_KB_DIR, load_faq(DEFAULT_KB_DIR, kb, day))
    if items:
        print("WARNING: " + format_report(items, day, root=ROOT))


if __name__ == "__main__":
    sys.exit(main())
