"""Server-issued sender ids for channels where the caller would otherwise choose its own (REST, web chat).

An id is `<channel>.<random>.<signature>`: 128 random bits and an HMAC-SHA256 (truncated to 128 bits) of
`<channel>.<random>`, both base64url, so it is safe in URLs and tracker stores. A caller can keep using an
id it was given but cannot make up one (and so cannot read or act on another user's conversation).

Key: `SENDER_ID_SECRET` from the environment (several replicas must share it), else a
random key kept in `var/sender_id_secret` (mode 0600) so issued ids stay valid across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from pathlib import Path
from typing import Optional

from dmsbot.settings import settings
from tracking.config_secrets import read_or_create, var_dir

KEY_FILE_ENV = "SENDER_ID_SECRET_FILE"
_CHANNEL_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_PART_RE = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_SENDER_ID_LENGTH = 80

_key: Optional[bytes] = None
_key_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _key_file() -> Path:
    return Path(settings().sender_id_secret_file or var_dir() / "sender_id_secret")


def secret_key() -> bytes:
    global _key
    with _key_lock:
        if _key is None:
            env = settings().sender_id_secret or ""
            # In production too a var/ key works on one machine; several replicas must share SENDER_ID_SECRET.
            _key = env.encode("utf-8") if env else read_or_create(_key_file()).encode("utf-8")
        return _key


def reset_key_cache() -> None:
    """For tests: read the key again on next use."""
    global _key
    with _key_lock:
        _key = None


def _sign(channel: str, rand: str) -> str:
    digest = hmac.new(secret_key(), f"{channel}.{rand}".encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:16])


def issue_sender_id(channel: str) -> str:
    """A new signed sender id for `channel` (lower-case name such as "rest" or "web")."""
    if not _CHANNEL_RE.fullmatch(channel):
        raise ValueError(f"bad channel name {channel!r}")
    rand = _b64(secrets.token_bytes(16))
    return f"{channel}.{rand}.{_sign(channel, rand)}"


def verify_sender_id(token: str, channel: Optional[str] = None) -> Optional[str]:
    """The channel the id was issued for, or None when `token` is not a valid id (of `channel`, if given).

    Never raises, whatever `token` is (any type, lone surrogates, megabytes).
    """
    if not isinstance(token, str) or len(token) > MAX_SENDER_ID_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    chan, rand, sig = parts
    if not _CHANNEL_RE.fullmatch(chan) or not _PART_RE.fullmatch(rand) or not _PART_RE.fullmatch(sig):
        return None
    if channel is not None and chan != channel:
        return None
    if not hmac.compare_digest(sig, _sign(chan, rand)):
        return None
    return chan
