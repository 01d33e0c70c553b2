"""`rasa run` closed by default: API token from RASA_AUTH_TOKEN (not on the command line, where `ps` shows
it), 127.0.0.1 unless `--interface` is given, a request size cap, and in production a clear refusal to start
without the required secrets. Usage: python scripts/rasa_run.py [rasa run options...]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dmsbot.settings import settings  # noqa: E402
from tracking.config_secrets import get_secret, require_production_secrets  # noqa: E402
from tracking.log_redaction import install as install_log_redaction  # noqa: E402


def main() -> None:
    require_production_secrets()
    install_log_redaction()
    args = sys.argv[1:]
    if not any(a in ("-i", "--interface") or a.startswith("--interface=") for a in args):
        args += ["--interface", settings().rasa_interface]
    # Sanic refuses bigger bodies with 413 before anything parses them (PUT /model needs more: raise it then).
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(1024 * 1024))
    # One argument with "=": a generated token may start with "-", which argparse would take for an option.
    sys.argv = ["rasa", "run", *args, f"--auth-token={get_secret('RASA_AUTH_TOKEN')}"]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
