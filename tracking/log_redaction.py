"""Keeps tokens and full document numbers out of every log line of the process (httpx, aiohttp, urllib3,
Rasa, Sanic, ours): a LogRecord factory rewrites the message before any handler sees it.

`install()` is called where our code enters a process: scripts/rasa_run.py and the channels Rasa loads
(connectors/rest.py, tracking/rasa_channel.py), the action server (actions/tracking.py), `dmsbot serve`.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Callable, List, Optional

from dmsbot.settings import SETTINGS

# Every setting marked secret in dmsbot/settings.py, and the deployment's database password.
SECRET_ENV = tuple(s.name for s in SETTINGS if s.secret) + ("VIBER_AUTH_TOKEN", "DB_PASSWORD")

_PATTERNS = (
    # Telegram bot token, also inside https://api.telegram.org/bot<token>/sendMessage
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}"), "<bot-token>"),
    (re.compile(r"(?i)([?&](?:token|auth_token|access_token|secret|api_key)=)[^&\s'\"]+"), r"\1***"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"(?i)(secret[-_]token['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"), r"\1***"),
    (re.compile(r"(?i)(--auth-token[ =])\S+"), r"\1***"),
    (re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/\s]+:)[^@\s]+@"), r"\1***@"),
    # Base-document numbers: booklet КВ123456, foreign passport FS341265, birth certificate І-ВЛ 648009.
    (
        re.compile(r"(?<![\w-])([A-ZА-ЯІЇЄҐ]{1,2}-?[A-ZА-ЯІЇЄҐ]{2}\s?|[A-ZА-ЯІЇЄҐ]{2}\s?)\d{4}(\d{2})(?!\d)"),
        r"\1****\2",
    ),
    # A foreigner's passport (the base of a residence permit): N4567891, E12345678, AB1234567.
    (re.compile(r"(?<![\w-])([A-Z]{1,3}\s?)\d{4,8}(\d{2})(?![\w])"), r"\1****\2"),
)

_installed = False
_extra_secrets: List[str] = []


def _secret_values() -> List[str]:
    values = [os.environ.get(name, "") for name in SECRET_ENV] + _extra_secrets
    try:
        from tracking.config_secrets import _cache

        values += list(_cache.values())
    except Exception:  # noqa: BLE001 - redaction must never fail logging
        pass
    return sorted({v for v in values if len(v) >= 8}, key=len, reverse=True)


def add_secret(value: Optional[str]) -> None:
    """Also redact this literal value (a token read from a file or a credentials.yml)."""
    if value and len(value) >= 8 and value not in _extra_secrets:
        _extra_secrets.append(value)


def redact(text: str) -> str:
    for value in _secret_values():
        if value in text:
            text = text.replace(value, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Redact every log record created in this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
                text = logging.Formatter().formatException(record.exc_info)
                clean_exc = redact(text)
                if clean_exc != text:
                    record.exc_text = clean_exc
        except Exception:  # noqa: BLE001 - never break logging
            pass
        return record

    logging.setLogRecordFactory(factory)
