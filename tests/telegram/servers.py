"""Start and stop the real Rasa server and action server for the Telegram tests (on tests/harness.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from tests import harness
from tests.harness import RASA, ROOT, Managed, http, wait_until  # noqa: F401  (the Telegram and Viber suites use them)

RASA_PORT = 25005
ACTIONS_PORT = 25055
FAKE_API_PORT = 25081
WEBHOOK_SECRET = "test-secret_0123456789"


def base_env() -> Dict[str, str]:
    # Channel settings come only from each test (REDIS_URL would switch the channel state to Redis).
    return harness.base_env()


def start_action_server(tmp: Path, port: int = ACTIONS_PORT, name: str = "actions") -> Managed:
    return harness.start_action_server(tmp, port, base_env(), name)


def start_rasa(
    model: str,
    tmp: Path,
    telegram_env: Dict[str, str],
    name: str,
    port: int = RASA_PORT,
    endpoints: Optional[str] = None,
    wait: bool = True,
) -> Managed:
    """`endpoints`: a file such as endpoints.production.yml (its ${VARIABLES} come from telegram_env)."""
    creds = tmp / f"credentials-{name}.yml"
    creds.write_text("connectors.telegram.TelegramInput:\nrest:\n")
    if endpoints is None:
        endpoints_file = tmp / f"endpoints-{name}.yml"
        endpoints_file.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{ACTIONS_PORT}/webhook"\n')
        endpoints = str(endpoints_file)
    env = base_env()
    env.update(telegram_env)
    server = harness.start_rasa(model, tmp, port, creds, endpoints, env, name=f"rasa-{name}", wait=False)
    if wait:
        wait_for_rasa(server, port)
    return server


def wait_for_rasa(server: Managed, port: int = RASA_PORT, timeout: float = 300) -> None:
    try:
        harness.wait_for_rasa(server, port, timeout=timeout)
    except Exception:
        print(server.output()[-5000:])
        raise
