"""Configuration of the Telegram channel from the environment and credentials.yml."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from dmsbot.settings import settings

WEBHOOK_PATH = "/webhooks/telegram/webhook"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"

# Environment variable -> credentials.yml key (the environment wins).
_KEYS = {
    "TELEGRAM_TOKEN": "token",
    "TELEGRAM_WEBHOOK_URL": "webhook_url",
    "TELEGRAM_WEBHOOK_SECRET": "webhook_secret",
    "TELEGRAM_API_BASE_URL": "api_base_url",
}


@dataclass(frozen=True)
class TelegramSettings:
    token: Optional[str]
    webhook_url: Optional[str]
    webhook_secret: str
    api_base_url: str
    poll_timeout: int = 25

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def mode(self) -> str:
        if not self.enabled:
            return "off"
        return "webhook" if self.webhook_url else "polling"

    @classmethod
    def load(
        cls,
        credentials: Optional[Mapping[str, Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "TelegramSettings":
        env = settings(environ)  # only what the environment sets: credentials.yml fills in the rest
        creds = credentials or {}

        def pick(env_name: str) -> Optional[str]:
            value = env.given(env_name) or creds.get(_KEYS[env_name])
            value = str(value).strip() if value is not None else ""
            return value or None

        token = pick("TELEGRAM_TOKEN")
        secret = pick("TELEGRAM_WEBHOOK_SECRET") or (derive_secret(token) if token else "")
        poll_timeout = int(env.given("TELEGRAM_POLL_TIMEOUT") or creds.get("poll_timeout") or 25)
        return cls(
            token=token,
            webhook_url=full_webhook_url(pick("TELEGRAM_WEBHOOK_URL")),
            webhook_secret=secret,
            api_base_url=pick("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
            poll_timeout=poll_timeout,
        )


def derive_secret(token: str) -> str:
    """A stable secret when none is configured, so the webhook is never left unchecked.

    Derived from the token (not random) so restarts and replicas agree on it.
    Telegram allows only [A-Za-z0-9_-], 1..256 characters: a hex digest fits.
    """
    return hashlib.sha256(f"dmsbot-webhook:{token}".encode()).hexdigest()


def full_webhook_url(url: Optional[str]) -> Optional[str]:
    """Accept a bare public origin (https://bot.example.org) or the full webhook URL."""
    if not url:
        return None
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url
