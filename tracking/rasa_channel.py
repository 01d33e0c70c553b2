"""A Rasa input channel for the notifier: trigger_intent that cannot be half-done or done twice.

Register it in credentials.yml:

    tracking.rasa_channel.NotifierInput:
      token: ""   # optional; when set, must equal the notifier's RASA_TOKEN

`POST /webhooks/notifier/deliver?output_channel=<channel>` with
`{"sender_id", "name", "entities"}` differs from Rasa's `/conversations/{id}/trigger_intent` in two ways:
- the work is shielded from the client's disconnect: Sanic cancels a request whose client went away,
  which could stop Rasa after the channel sent the message but before it saved the conversation, and a
  retry would then send it again;
- under the conversation lock it first checks whether an event with the same `notification_key` is
  already in the conversation and, if so, answers `{"status": "duplicate"}` without sending anything.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

log = logging.getLogger(__name__)


def _has_key(tracker: Any, key: str) -> bool:
    for event in tracker.events:
        if getattr(event, "type_name", "") != "user":
            continue
        for ent in getattr(event, "entities", None) or []:
            if ent.get("entity") == "notification_key" and ent.get("value") == key:
                return True
    return False


class NotifierInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "notifier"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("token") or "")

    def __init__(self, token: str = "") -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("notifier_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/deliver", methods=["POST"])
        async def deliver(request: Request) -> HTTPResponse:
            if self.token and not hmac.compare_digest(
                    (request.args.get("token") or "").encode(), self.token.encode()):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json or {}
            sender, intent = body.get("sender_id"), body.get("name")
            entities = body.get("entities") or {}
            if not sender or not intent:
                return response.json({"error": "sender_id and name are required"}, status=400)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            if intent not in agent.domain.intents:
                return response.json({"error": f"unknown intent {intent}"}, status=400)

            async def work() -> str:
                from rasa.server import _get_output_channel

                async with agent.lock_store.lock(sender):
                    tracker = await agent.processor.fetch_tracker_and_update_session(sender)
                    key = entities.get("notification_key") if isinstance(entities, dict) else None
                    if key and _has_key(tracker, key):
                        return "duplicate"
                    output_channel = _get_output_channel(request, tracker)
                    await agent.trigger_intent(intent_name=intent, entities=entities,
                                               output_channel=output_channel, tracker=tracker)
                    return "sent"

            # Runs to the end even if the notifier disconnects meanwhile.
            task = asyncio.ensure_future(work())
            try:
                status = await asyncio.shield(task)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported to the notifier, which retries
                log.exception("notifier delivery failed")
                return response.json({"error": f"An unexpected error occurred. Error: {exc}"}, status=500)
            return response.json({"status": status})

        return bp
