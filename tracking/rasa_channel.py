"""A Rasa input channel for the notifier: trigger_intent that cannot be half-done or done twice.

Register it in credentials.yml:

    tracking.rasa_channel.NotifierInput:

Every request needs `?token=` (or `Authorization: Bearer`) equal to Rasa's API token `RASA_AUTH_TOKEN`
(tracking/config_secrets.py; a `token:` in credentials.yml overrides it), as for Rasa's own HTTP API.

`POST /webhooks/notifier/deliver?output_channel=<channel>` with
`{"sender_id", "name", "entities"}` differs from Rasa's `/conversations/{id}/trigger_intent` in two ways:
- the work is shielded from the client's disconnect: Sanic cancels a request whose client went away,
  which could stop Rasa after the channel sent the message but before it saved the conversation, and a
  retry would then send it again;
- under the conversation lock it first checks whether an event with the same `notification_key` is
  already in the conversation and, if so, answers `{"status": "duplicate"}` without sending anything;
- it claims the `notification_key` in a store the replicas share (tracking/delivery_claims.py) from before
  the action runs until the conversation is saved, so that a replica killed between sending and saving
  does not leave the next attempt free to send again: that attempt answers `uncertain` or `duplicate`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.callback import CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.input_limits import BadInput, header_value, is_valid_unicode, parse_json_object
from tracking import delivery_claims
from tracking.log_redaction import install as install_log_redaction

log = logging.getLogger(__name__)
install_log_redaction()


def _has_key(tracker: Any, key: str) -> bool:
    for event in tracker.events:
        if getattr(event, "type_name", "") != "user":
            continue
        for ent in getattr(event, "entities", None) or []:
            if ent.get("entity") == "notification_key" and ent.get("value") == key:
                return True
    return False


NOTIFY_ACTION = "action_tracking_notify"


class NotDelivered(Exception):
    """The message certainly did not go out; the conversation was not changed."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class StrictCallbackOutput(CallbackOutput):
    """Rasa's callback channel logs a failed POST and carries on; here the failure reaches the caller."""

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await CollectingOutputChannel._persist_message(self, message)
        await self.callback_endpoint.request("post", content_type="application/json", json=message)


def strict_output(channel: OutputChannel) -> OutputChannel:
    if isinstance(channel, CallbackOutput) and not isinstance(channel, StrictCallbackOutput):
        return StrictCallbackOutput(channel.callback_endpoint)
    return channel


def is_ambiguous(exc: BaseException) -> bool:
    """A timeout after the request went out: the message may have been delivered."""
    seen: Optional[BaseException] = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, asyncio.TimeoutError) or type(seen).__name__ in (
            "TimedOut",
            "ServerTimeoutError",
            "ReadTimeout",
            "WriteTimeout",
            "TimeoutError",
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def deliver_once(
    agent: Any,
    tracker: Any,
    intent: str,
    entities: Dict[str, Any],
    output_channel: OutputChannel,
    before_send: Optional[Callable[[], Awaitable[None]]] = None,
) -> Dict[str, Any]:
    """Run the notification action, send its messages, then save the conversation: nothing is saved unless
    a message went out (or may have: a timeout after sending), so a failure leaves the notification to retry.

    The action runs directly, not through the policies: in the middle of a form the policies would hand the
    external intent to the form. The form's last question is asked again after the message, and the form
    goes on with the user's next answer.
    """
    from rasa.core.actions.action import action_for_name_or_text
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    processor = agent.processor
    domain = agent.domain
    entity_list = [{"entity": k, "value": v} for k, v in entities.items()]
    tracker.update(UserUttered.create_external(intent, entity_list, tracker.get_latest_input_channel()), domain)
    action = action_for_name_or_text(NOTIFY_ACTION, domain, processor.action_endpoint)
    try:
        events = await action.run(output_channel, processor.nlg, tracker, domain) or []
    except Exception as exc:  # noqa: BLE001 - action server down or failing: nothing was sent
        raise NotDelivered(f"{NOTIFY_ACTION} failed: {exc}", status=503) from exc
    messages = [e for e in events if isinstance(e, BotUttered)]
    if not messages:
        raise NotDelivered(f"{NOTIFY_ACTION} produced no message", status=502)
    tracker.update(ActionExecuted(NOTIFY_ACTION))
    tracker.update_with_events(events, domain)
    resume = _form_question(tracker) if tracker.active_loop_name else None
    if resume is not None:
        tracker.update(resume)
        messages.append(resume)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))

    if before_send is not None:
        await before_send()  # may refuse (NotDelivered): then nothing is sent
    sent = 0
    try:
        for message in messages:
            await output_channel.send_response(tracker.sender_id, message.message())
            sent += 1
    except Exception as exc:  # noqa: BLE001
        if sent == 0 and not is_ambiguous(exc):
            raise NotDelivered(f"channel error: {exc}") from exc
        # May have been delivered: keep the record so that a retry does not send it twice.
        log.warning("notification to %s may have been delivered (%s); not retried", tracker.sender_id, exc)
        await save_delivered(agent, tracker)
        return {"status": "uncertain", "error": str(exc)[:300]}
    await save_delivered(agent, tracker)
    return {"status": "sent"}


async def claimed_delivery(
    claims: Any,
    sender: str,
    key: str,
    deliver: Callable[[Callable[[], Awaitable[None]]], Awaitable[Dict[str, Any]]],
) -> Dict[str, Any]:
    """Run deliver(before_send) holding the claim on `key` (tracking/delivery_claims.py): claimed → sending just
    before the channel sends → done after the save; released on every path on which nothing was sent."""
    ckey, owner = delivery_claims.claim_key(sender, key), delivery_claims.new_owner()
    try:
        found = await claims.claim(ckey, owner)
    except Exception as exc:  # noqa: BLE001 - the claim store is down: nothing was sent
        raise NotDelivered(f"notification claim store unavailable: {exc}", status=503) from exc
    if found == delivery_claims.DONE:
        log.info("notification for %s: already delivered by an attempt whose conversation was not saved", sender)
        return {"status": "duplicate"}
    if found == delivery_claims.SENDING:
        # An earlier attempt was about to send (or sent) and did not save the conversation: it may have arrived.
        log.warning("notification for %s: an earlier attempt may have sent it; not sent again", sender)
        return {"status": "uncertain", "error": "an earlier attempt may have sent this notification"}
    if found != delivery_claims.CLAIMED:
        raise NotDelivered("another delivery of this notification is in progress", status=409)

    sending = False

    async def before_send() -> None:
        nonlocal sending
        try:
            ours = await claims.mark_sending(ckey, owner)
        except Exception as exc:  # noqa: BLE001
            raise NotDelivered(f"notification claim store unavailable: {exc}", status=503) from exc
        if not ours:
            raise NotDelivered("the claim on this notification was taken over", status=409)
        sending = True

    try:
        result = await deliver(before_send)
    except BaseException as exc:
        # Nothing went out: NotDelivered says so, and any other failure before "sending" happened before it.
        if isinstance(exc, NotDelivered) or not sending:
            try:
                await claims.release(ckey, owner)
            except Exception:  # noqa: BLE001 - a claim left behind goes stale after the lease
                log.warning("could not release a notification claim", exc_info=True)
        raise
    try:
        await claims.mark_done(ckey, owner)
    except Exception:  # noqa: BLE001 - left at "sending": a retry answers uncertain, never sends twice
        log.warning("could not mark a notification claim done", exc_info=True)
    return result


async def check_tracker_store(agent: Any, sender: str) -> None:
    """Rasa's fail-safe wrapper answers a database outage with an empty in-memory conversation, which has no
    record of earlier deliveries: read the real store first and refuse (the notifier retries) when it is down."""
    base = _base_store(agent.tracker_store)
    if base is agent.tracker_store:
        return
    try:
        await base.retrieve(sender)
    except Exception as exc:  # noqa: BLE001 - any database error: nothing was sent yet
        raise NotDelivered(f"tracker store unavailable: {exc}", status=503) from exc


async def save_delivered(agent: Any, tracker: Any, attempts: int = 5) -> None:
    """After a message went out its record must reach the real store, or a retry would send it again: retry the
    database for a while before settling for Rasa's fail-safe (in-memory) save."""
    base = _base_store(agent.tracker_store)
    for attempt in range(attempts):
        try:
            await base.save(tracker)
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("saving a delivered notification failed (attempt %d): %s", attempt + 1, exc)
            await asyncio.sleep(min(0.5 * 2**attempt, 4.0))
    await agent.processor.save_tracker(tracker)


def _form_question(tracker: Any) -> Optional[Any]:
    """The last bot message before the latest user event: the question the form is waiting for."""
    from rasa.shared.core.events import BotUttered, UserUttered

    seen_user = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            seen_user += 1
            if seen_user > 1:
                return None
        elif isinstance(event, BotUttered) and seen_user == 1:
            return BotUttered(event.text, event.data, event.metadata)
    return None


def _base_store(store: Any) -> Any:
    # Rasa wraps the configured store (AwaitableTrackerStore, FailSafeTrackerStore).
    for _ in range(5):
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            return store
        store = inner
    return store


async def forget_conversation(agent: Any, sender: str) -> int:
    """Delete every stored event of one conversation (under its lock, so after the current turn is saved)."""
    async with agent.lock_store.lock(sender):
        store = _base_store(agent.tracker_store)
        if hasattr(store, "SQLEvent") and hasattr(store, "session_scope"):
            with store.session_scope() as session:
                n = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).delete()
                session.commit()
            return int(n or 0)
        if hasattr(store, "red") and hasattr(store, "key_prefix"):
            return int(store.red.delete(store.key_prefix + sender))
        if isinstance(getattr(store, "store", None), dict):
            return 1 if store.store.pop(sender, None) is not None else 0
        raise NotImplementedError(f"cannot delete conversations from {type(store).__name__}")


class NotifierInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "notifier"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from tracking.config_secrets import get_secret

        return cls((credentials or {}).get("token") or get_secret("RASA_AUTH_TOKEN"))

    def __init__(self, token: str, claims: Any = None) -> None:
        if not token:
            raise ValueError("the notifier channel needs a token")
        self.token = token
        self.claims = claims if claims is not None else delivery_claims.claims_from_env()

    def authorised(self, request: Request) -> bool:
        given = request.args.get("token") or ""
        if not given:
            auth = header_value(request.headers, "Authorization") or ""
            given = auth[7:] if auth.lower().startswith("bearer ") else ""
        return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("notifier_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            """«Видалити мої дані»: the action asks for the conversation to be deleted. It runs once the
            current turn (the one asking) has been saved, so the answer is deleted too."""
            if not self.authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = parse_json_object(request.body or b"")
            except BadInput as exc:
                return response.json({"error": str(exc)}, status=400)
            sender = body.get("sender_id")
            if not isinstance(sender, str) or not sender or len(sender) > 256 or not is_valid_unicode(sender):
                return response.json({"error": "sender_id is required"}, status=400)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)

            async def run() -> None:
                try:
                    n = await forget_conversation(agent, sender)
                    log.info("deleted the stored conversation of a user (%d rows)", n)
                except Exception:  # noqa: BLE001 - logged; the user was told what was deleted
                    log.exception("could not delete a conversation")

            asyncio.ensure_future(run())
            return response.json({"status": "scheduled"}, status=202)

        @bp.route("/deliver", methods=["POST"])
        async def deliver(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = parse_json_object(request.body or b"")
            except BadInput as exc:
                return response.json({"error": str(exc)}, status=400)
            sender, intent = body.get("sender_id"), body.get("name")
            entities = body.get("entities") or {}
            if not isinstance(sender, str) or not isinstance(intent, str) or not sender or not intent:
                return response.json({"error": "sender_id and name are required strings"}, status=400)
            if not is_valid_unicode(sender) or len(sender) > 256 or not isinstance(entities, dict):
                return response.json({"error": "bad sender_id or entities"}, status=400)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            if intent not in agent.domain.intents:
                return response.json({"error": f"unknown intent {intent}"}, status=400)

            async def work() -> Dict[str, Any]:
                from rasa.server import _get_output_channel

                async with agent.lock_store.lock(sender):
                    await check_tracker_store(agent, sender)
                    tracker = await agent.processor.fetch_tracker_and_update_session(sender)
                    key = entities.get("notification_key")
                    if key and _has_key(tracker, key):
                        return {"status": "duplicate"}
                    output_channel = strict_output(_get_output_channel(request, tracker))
                    if not key:
                        return await deliver_once(agent, tracker, intent, entities, output_channel)
                    return await claimed_delivery(
                        self.claims,
                        sender,
                        str(key),
                        lambda before_send: deliver_once(agent, tracker, intent, entities, output_channel, before_send),
                    )

            # Runs to the end even if the notifier disconnects meanwhile.
            task = asyncio.ensure_future(work())
            try:
                result = await asyncio.shield(task)
            except asyncio.CancelledError:
                raise
            except NotDelivered as exc:  # nothing went out and nothing was saved: the notifier retries
                log.warning("notification for %s not delivered: %s", sender, exc)
                return response.json({"error": str(exc)}, status=exc.status)
            except Exception as exc:  # noqa: BLE001 - reported to the notifier, which retries
                log.exception("notifier delivery failed")
                return response.json({"error": f"An unexpected error occurred. Error: {exc}"}, status=500)
            return response.json(result)

        return bp
