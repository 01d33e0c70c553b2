"""Status API: the registry pushes stage changes to POST /api/v1/status."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from typing import Any, Optional, Tuple

from aiohttp import web

from connectors.input_limits import BadInput, header_value, is_valid_unicode, parse_json_object
from tracking.config_secrets import optional_secret
from tracking.stages import DOC_TYPES, STAGES, mask_number
from tracking.store import TrackingStore

log = logging.getLogger(__name__)

STORE_KEY = web.AppKey("store", TrackingStore) if hasattr(web, "AppKey") else "store"
TOKEN_KEY = web.AppKey("token", str) if hasattr(web, "AppKey") else "token"


MIN_CHANGED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
MAX_FUTURE = dt.timedelta(days=1)


def parse_changed_at(value: Any) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("changed_at must be an ISO 8601 date-time string, e.g. 2026-11-25T10:00:00+02:00")
    s = value.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"changed_at {value[:40]!r} is not ISO 8601, e.g. 2026-11-25T10:00:00+02:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    try:
        in_utc = parsed.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        in_utc = None
    # The registry reports real events: far-past or far-future dates are typos (and overflow in the store).
    if in_utc is None or not (MIN_CHANGED_AT <= in_utc <= dt.datetime.now(dt.timezone.utc) + MAX_FUTURE):
        raise ValueError(f"changed_at {value[:40]!r} is out of range (2000-01-01 .. one day from now)")
    return parsed


def validate_payload(data: Any) -> Tuple[str, str, str, dt.datetime]:
    """Return (doc_type, document_number, stage, changed_at) or raise ValueError with a clear message."""
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object with doc_type, document_number, stage, changed_at")
    missing = [k for k in ("doc_type", "document_number", "stage", "changed_at") if k not in data]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    doc_type, number, stage = data["doc_type"], data["document_number"], data["stage"]
    if not isinstance(doc_type, str) or doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {str(doc_type)[:40]!r}; expected one of {', '.join(DOC_TYPES)}")
    if not isinstance(stage, str) or stage not in STAGES:
        raise ValueError(f"unknown stage {str(stage)[:40]!r}; expected one of {', '.join(STAGES)}")
    if not isinstance(number, str) or len(number) > 64 or not is_valid_unicode(number):
        raise ValueError("document_number must be a string of at most 64 characters")
    return doc_type, number, stage, parse_changed_at(data["changed_at"])


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def post_status(request: web.Request) -> web.Response:
    token: str = request.app[TOKEN_KEY]
    auth = header_value(request.headers, "Authorization") or ""
    given = auth[7:] if auth.lower().startswith("bearer ") else ""
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        return web.json_response(
            {"error": "missing or invalid bearer token"}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        data = parse_json_object(await request.read())
    except BadInput as exc:
        return _error(400, str(exc))
    try:
        doc_type, number, stage, changed_at = validate_payload(data)
        store: TrackingStore = request.app[STORE_KEY]
        result = await asyncio.to_thread(store.apply_status, doc_type, number, stage, changed_at, "api")
    except ValueError as exc:
        return _error(400, str(exc))
    log.info("status API: %s %s -> %s (%s)", doc_type, mask_number(number.replace(" ", "")), stage, result.reason)
    return web.json_response(
        {
            "accepted": result.accepted,
            "result": result.reason,
            "stage": result.stage,
            "notifications_queued": result.queued,
        },
        status=200,
    )


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(store: TrackingStore, token: Optional[str] = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[STORE_KEY] = store
    app[TOKEN_KEY] = token if token is not None else (optional_secret("STATUS_API_TOKEN") or "")
    if not app[TOKEN_KEY]:
        log.warning("STATUS_API_TOKEN is not set: every POST /api/v1/status is refused with 401")
    app.router.add_post("/api/v1/status", post_status)
    app.router.add_get("/health", health)
    return app
