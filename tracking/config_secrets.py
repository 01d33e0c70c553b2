"""Secrets of the running stack: from the environment, or for local runs a random value kept in var/ (0600).

Production (`DMSBOT_ENV=production`) never falls back to a generated or default value for the secrets
dmsbot/settings.py marks `production_required` (RASA_AUTH_TOKEN, STATUS_API_TOKEN, TRACKING_HASH_KEY): every
process checks `require_production_secrets()` at start-up and exits with a clear message naming what is missing.
SENDER_ID_SECRET may stay in var/ on one machine; several replicas must share it (set it).
"""

from __future__ import annotations

import os
import secrets as _secrets
import threading
import time
from pathlib import Path
from typing import Dict, Iterable, Optional  # noqa: F401

from dmsbot.settings import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR_ENV = "DMSBOT_VAR_DIR"

# env name -> file under var/ used when the variable is unset outside production
LOCAL_FILES: Dict[str, str] = {
    "RASA_AUTH_TOKEN": "rasa_auth_token",
    "STATUS_API_TOKEN": "status_api_token",
    "TRACKING_HASH_KEY": "tracking_hash_key",
    "SENDER_ID_SECRET": "sender_id_secret",
}

_cache: Dict[str, str] = {}
_lock = threading.Lock()


class MissingSecret(SystemExit):
    """Raised at start-up in production; SystemExit so the process stops with the message, no traceback."""


def is_production() -> bool:
    return settings().production


def var_dir() -> Path:
    return Path(settings().dmsbot_var_dir or REPO_ROOT / "var")


def read_or_create(path: Path) -> str:
    """The content of a secret file, created with a random value (mode 0600) if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # another process may be writing it right now
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
            time.sleep(0.05)
        raise MissingSecret(f"{path} is empty; delete it or set the variable it stands for") from None
    value = _secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def get_secret(name: str) -> str:
    """`name` from the environment; outside production a persistent random local value when unset."""
    env = settings()
    value = (env.given(name) or "").strip()
    if value:
        return value
    legacy = (env.given("RASA_TOKEN") or "").strip()
    if name == "RASA_AUTH_TOKEN" and legacy:
        return legacy  # the notifier's older name
    if is_production():
        raise MissingSecret(missing_message([name]))
    with _lock:
        if name not in _cache:
            _cache[name] = read_or_create(var_dir() / LOCAL_FILES[name])
        return _cache[name]


def optional_secret(name: str) -> Optional[str]:
    try:
        return get_secret(name)
    except (MissingSecret, KeyError):
        return None


def missing_message(names: Iterable[str]) -> str:
    return (
        "DMSBOT_ENV=production but "
        + ", ".join(names)
        + " not set. Set each to a long random value (e.g. `openssl rand -base64 32`); see docs/tracking.md "
        "«Secrets». Refusing to start."
    )


def require_production_secrets() -> None:
    """Exit with a clear message in production when any secret dmsbot/settings.py marks as required is unset."""
    from dmsbot.settings import settings

    if not is_production():
        return
    missing = settings().missing_for_production()
    if missing:
        raise MissingSecret(missing_message(missing))


def clear_cache() -> None:
    with _lock:
        _cache.clear()
