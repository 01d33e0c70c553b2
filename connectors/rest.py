"""REST input channel whose sender ids are issued by the server (registered as `connectors.rest.RestInput`).

`POST /webhooks/rest/webhook` with `{"sender": "...", "message": "..."}`, answered like Rasa's own REST
channel: a JSON list of `{"recipient_id", "text", "buttons"...}`. Differences:
- `sender` must be an id this server issued (connectors/sender_ids.py). A missing, unknown or forged one
  starts a new conversation under a new id, returned as every message's `recipient_id` and in the
  `X-Sender-Id` header; send it as `sender` next time to continue. A caller cannot choose or guess
  another user's id.
- hostile input gets 4xx, never a 5xx: a body over `MAX_REQUEST_BODY_BYTES`, not UTF-8, not JSON, nested
  too deeply, not an object, a non-string or invalid-Unicode `sender` or `message` → 400/413
  `{"error": ...}`; a text over `MAX_USER_TEXT_CHARS` (2,000) is not processed and gets a polite reply.
- the client cannot set `input_channel` or `metadata`; the metadata carries a keyed hash of the client's
  address so tracking lookups are limited per source as well as per sender.
- the reply is never empty: when processing fails (action server down...), it says so politely.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import input_limits
from connectors.sender_ids import issue_sender_id, secret_key, verify_sender_id
from tracking.log_redaction import install as install_log_redaction

log = logging.getLogger(__name__)
install_log_redaction()  # this module is loaded into Rasa: no token or number in its logs

CHANNEL = "rest"
SOURCE_METADATA_KEY = "source_key"


def source_key(address: str) -> str:
    """A keyed hash of the client's address (never the address itself) for per-source limits."""
    digest = hmac.new(secret_key(), f"source|{address}".encode("utf-8", "replace"), hashlib.sha256)
    return "src:" + digest.hexdigest()[:32]


def client_address(request: Request) -> str:
    # remote_addr is set only behind a proxy configured with Sanic's PROXIES_COUNT / FORWARDED_SECRET.
    try:
        return request.remote_addr or request.ip or "unknown"
    except Exception:  # noqa: BLE001 - a broken Forwarded header must not fail the request
        return request.ip or "unknown"


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        # Rasa builds its channels at start-up: in production without the secrets it stops here, clearly.
        from tracking.config_secrets import require_production_secrets

        require_production_secrets()
        secret_key()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("server_issued_rest", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                data = input_limits.parse_json_object(request.body or b"")
                text = input_limits.clean_text(data.get("message"), "message")
                given = data.get("sender")
                if given is not None and not isinstance(given, str):
                    raise input_limits.BadInput("sender must be a string")
                if isinstance(given, str) and not input_limits.is_valid_unicode(given):
                    raise input_limits.BadInput("sender is not valid Unicode text")
            except input_limits.BadInput as exc:
                status = 413 if "larger than" in str(exc) else 400
                return _error(status, str(exc))

            sender = given if given and verify_sender_id(given, CHANNEL) else issue_sender_id(CHANNEL)
            headers = {"X-Sender-Id": sender}
            if len(text) > input_limits.MAX_TEXT_CHARS:
                return response.json(
                    [{"recipient_id": sender, "text": input_limits.too_long_reply(text)}], headers=headers
                )
            if not text.strip():
                return response.json(
                    [{"recipient_id": sender, "text": input_limits.empty_reply(text)}], headers=headers
                )

            agent = getattr(request.app.ctx, "agent", None)
            text = input_limits.known_payload(text, agent.domain.intents if agent and agent.domain else ())
            metadata = {SOURCE_METADATA_KEY: source_key(client_address(request))}
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL, metadata=metadata))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the user still gets an answer
                log.exception("REST message could not be processed")
            messages: List[Dict[str, Any]] = list(collector.messages)
            if not messages:
                # Rasa answers nothing when an action fails (action server down): never leave the user silent.
                messages = [{"recipient_id": sender, "text": input_limits.unavailable_reply(text)}]
            return response.json(messages, headers=headers)

        return bp
