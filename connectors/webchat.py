"""Rasa input/output channel behind the web chat page (web/server.py serves the page and proxies to it).

Register in credentials.yml as `connectors.webchat.WebChatInput:`; `name()` is "webchat", so the routes are
under `/webhooks/webchat/` and trigger_intent uses `output_channel=webchat`:

- `POST session`  — sets the HttpOnly cookie with a server-issued, signed sender id (connectors/sender_ids.py)
                    unless the browser already holds a valid one;
- `GET  history?after=N` — this person's messages from the tracker store (survives a reload);
- `POST message`  — `{"text": …}` or `{"payload": "/…", "title": …}` (a button), answers with the bot's messages;
- `POST language` — `{"language": "uk"|"en"}`;
- `GET  events`   — server-sent events: messages pushed to this person (tracking notifications).

The sender id comes only from the cookie, never from the body or the URL, so nobody can read or write another
person's conversation. Pushed messages reach pages open in this process; they are in the tracker store as well,
so a page that was closed (or connected to another replica) finds them in `history`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.input_limits import command_payload
from connectors.sender_ids import issue_sender_id, verify_sender_id
from connectors.webchat_texts import MAX_BODY_BYTES, MAX_TEXT_CHARS, error_body

logger = logging.getLogger(__name__)

CHANNEL_NAME = "webchat"
COOKIE_NAME = "dmsbot_webchat"
COOKIE_MAX_AGE = 180 * 24 * 3600
MAX_PAYLOAD_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_HISTORY_MESSAGES = 300
MAX_STREAMS_PER_SENDER = 4
KEEPALIVE_SECONDS = 20.0
LANGUAGES = ("uk", "en")
LANGUAGE_SLOT = "language"
LANGUAGE_INTENT = "set_language"
# Payloads the page may always send, whatever the last bot message offered (the header's menu button).
ALWAYS_ALLOWED_PAYLOADS = {"/help", "/greet"}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def bot_message(
    text: Optional[str] = None,
    buttons: Optional[Iterable[Dict[str, Any]]] = None,
    image: Optional[str] = None,
    attachment: Any = None,
    custom: Any = None,
) -> Dict[str, Any]:
    """The one shape the page renders, for live answers, pushed messages and history alike."""
    message: Dict[str, Any] = {"role": "bot"}
    if text:
        message["text"] = str(text)
    if buttons:
        message["buttons"] = [
            {"title": str(b.get("title") or b.get("payload") or ""), "payload": str(b.get("payload") or "")}
            for b in buttons
            if isinstance(b, dict) and b.get("payload")
        ]
    if image:
        message["image"] = str(image)
    if attachment:
        message["attachment"] = attachment if isinstance(attachment, (str, dict)) else str(attachment)
    if custom:
        message["custom"] = custom
    return message


class WebChatHub:
    """Open event streams per sender in this process."""

    def __init__(self) -> None:
        self._streams: Dict[str, Set[asyncio.Queue]] = defaultdict(set)

    def open(self, sender_id: str) -> Optional[asyncio.Queue]:
        if len(self._streams[sender_id]) >= MAX_STREAMS_PER_SENDER:
            return None
        queue: asyncio.Queue = asyncio.Queue(maxsize=100)
        self._streams[sender_id].add(queue)
        return queue

    def close(self, sender_id: str, queue: asyncio.Queue) -> None:
        streams = self._streams.get(sender_id)
        if streams is not None:
            streams.discard(queue)
            if not streams:
                del self._streams[sender_id]

    def publish(self, sender_id: str, message: Dict[str, Any]) -> int:
        delivered = 0
        for queue in list(self._streams.get(sender_id, ())):
            try:
                queue.put_nowait(message)
                delivered += 1
            except asyncio.QueueFull:  # a stuck reader; it reloads the history when it reconnects
                pass
        return delivered

    def listeners(self, sender_id: str) -> int:
        return len(self._streams.get(sender_id, ()))


class _WebChatOutput(OutputChannel):
    """Turns Rasa's send_* calls into page messages; subclasses decide where they go."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def deliver(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.deliver(recipient_id, bot_message(text=text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.deliver(recipient_id, bot_message(text=text, buttons=buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.deliver(recipient_id, bot_message(image=image))

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.deliver(recipient_id, bot_message(attachment=attachment))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.deliver(recipient_id, bot_message(custom=json_message))


class CollectingWebChatOutput(_WebChatOutput):
    """Answers to the person's own message: returned in the HTTP response."""

    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []

    async def deliver(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        self.messages.append(message)


class PushingWebChatOutput(_WebChatOutput):
    """Messages the bot starts (trigger_intent, the notifier): pushed to the person's open pages."""

    def __init__(self, hub: WebChatHub) -> None:
        self.hub = hub

    async def deliver(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        # Only our own signed ids belong to this channel; anything else is a caller's mistake.
        if verify_sender_id(recipient_id, CHANNEL_NAME) is None:
            raise ValueError("output_channel=webchat needs a web chat sender id")
        # Not being delivered live is fine: the message is saved in the tracker and shown from the history.
        self.hub.publish(recipient_id, message)


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    # Ukrainian text as UTF-8, not \uXXXX escapes: a checklist is a third of the size.
    return response.json(body, status=status, headers=headers, dumps=functools.partial(json.dumps, ensure_ascii=False))


def _error(code: str, status: int, language: str = "uk") -> HTTPResponse:
    return _json(error_body(code, language), status=status, headers={"Cache-Control": "no-store"})


def _language_of(tracker: Any) -> str:
    try:
        value = tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None
    except Exception:  # noqa: BLE001 - no such slot in this domain
        value = None
    return value if value in LANGUAGES else "uk"


def history_messages(events: Iterable[Any], after: int = -1) -> tuple:
    """(messages, cursor, language) from tracker events; `id` is the event's index, `cursor` the last index."""
    messages: List[Dict[str, Any]] = []
    language = "uk"
    index = -1
    for index, event in enumerate(events):
        kind = getattr(event, "type_name", "")
        if kind == "slot" and getattr(event, "key", None) == LANGUAGE_SLOT:
            language = event.value if event.value in LANGUAGES else "uk"
            continue
        if index <= after:
            continue
        if kind == "user":
            text = event.text or ""
            metadata = event.metadata or {}
            if text.startswith(EXTERNAL_MESSAGE_PREFIX) or metadata.get("is_external"):
                continue
            shown = metadata.get("webchat_title") if isinstance(metadata.get("webchat_title"), str) else None
            if shown is None and text.startswith("/"):
                continue  # a payload without a visible title (e.g. the language switch)
            messages.append({"id": index, "role": "user", "text": shown or text})
        elif kind == "bot":
            data = event.data or {}
            message = bot_message(
                text=event.text,
                buttons=data.get("buttons") or data.get("quick_replies"),
                image=data.get("image"),
                attachment=data.get("attachment"),
                custom=data.get("custom"),
            )
            if len(message) > 1:
                message.update({"id": index, "lang": language})
                messages.append(message)
    return messages[-MAX_HISTORY_MESSAGES:], index, language


def _latest_buttons(events: List[Any]) -> Set[str]:
    """Payloads of the bot's buttons since the person's last message."""
    payloads: Set[str] = set()
    for event in reversed(events):
        kind = getattr(event, "type_name", "")
        if kind == "user":
            break
        if kind == "bot":
            for button in (event.data or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("payload"):
                    payloads.add(str(button["payload"]))
    return payloads


def _domain_payloads(domain: Any) -> Set[str]:
    """Payloads of buttons written in the domain's responses (static menus are always valid)."""
    payloads: Set[str] = set()
    for variants in (getattr(domain, "responses", None) or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("payload"):
                    payloads.add(str(button["payload"]))
    return payloads


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        self.hub = WebChatHub()
        self._static_payloads: Optional[Set[str]] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return PushingWebChatOutput(self.hub)

    # ---- helpers -----------------------------------------------------------------------

    @staticmethod
    def sender_of(request: Request) -> Optional[str]:
        token = request.cookies.get(COOKIE_NAME)
        return token if token and verify_sender_id(token, CHANNEL_NAME) else None

    @staticmethod
    def _set_cookie(request: Request, resp: HTTPResponse, token: str) -> None:
        resp.cookies[COOKIE_NAME] = token
        cookie = resp.cookies[COOKIE_NAME]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["max-age"] = COOKIE_MAX_AGE
        # Behind an HTTPS proxy the cookie must never travel over plain HTTP.
        if request.headers.get("x-forwarded-proto", request.scheme) == "https":
            cookie["secure"] = True

    @staticmethod
    def _agent(request: Request) -> Any:
        agent = getattr(request.app.ctx, "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    @staticmethod
    async def _read_json(request: Request) -> Any:
        """The body as a JSON object, or an HTTPResponse explaining why not (4xx)."""
        if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != "application/json":
            # Also stops cross-site form posts: a browser cannot send application/json cross-origin without CORS.
            return _error("bad_request", 415)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error("too_long", 413)
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return _error("too_long", 413)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _error("bad_request", 400)
        if not isinstance(data, dict):
            return _error("bad_request", 400)
        return data

    async def _tracker(self, agent: Any, sender_id: str, full: bool = False) -> Any:
        store = agent.tracker_store
        return await (store.retrieve_full_tracker(sender_id) if full else store.retrieve(sender_id))

    def _allowed_payloads(self, agent: Any) -> Set[str]:
        if self._static_payloads is None:
            self._static_payloads = _domain_payloads(agent.domain) | ALWAYS_ALLOWED_PAYLOADS
        return self._static_payloads

    async def _run(
        self, on_new_message: OnNewMessage, agent: Any, sender_id: str, text: str, metadata: Dict[str, Any]
    ) -> HTTPResponse:
        collector = CollectingWebChatOutput()
        await on_new_message(UserMessage(text, collector, sender_id, input_channel=CHANNEL_NAME, metadata=metadata))
        tracker = await self._tracker(agent, sender_id)
        language = _language_of(tracker)
        for message in collector.messages:
            message["lang"] = language
        return _json({"messages": collector.messages, "language": language}, headers={"Cache-Control": "no-store"})

    # ---- routes ------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("webchat", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @bp.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            sender_id = self.sender_of(request)
            resp = _json({"status": "ok", "new": sender_id is None}, headers={"Cache-Control": "no-store"})
            if sender_id is None:
                self._set_cookie(request, resp, issue_sender_id(CHANNEL_NAME))
            return resp

        @bp.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            sender_id = self.sender_of(request)
            if sender_id is None:
                return _error("no_session", 401)
            agent = self._agent(request)
            if agent is None:
                return _error("not_ready", 503)
            after_arg = request.args.get("after", "-1")
            try:
                after = int(after_arg)
            except ValueError:
                return _error("bad_request", 400)
            tracker = await self._tracker(agent, sender_id, full=True)
            messages, cursor, language = history_messages(tracker.events if tracker else [], after)
            return _json(
                {"messages": messages, "cursor": cursor, "language": language}, headers={"Cache-Control": "no-store"}
            )

        @bp.route("/message", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            sender_id = self.sender_of(request)
            if sender_id is None:
                return _error("no_session", 401)
            data = await self._read_json(request)
            if isinstance(data, HTTPResponse):
                return data
            ui = data.get("ui") if data.get("ui") in LANGUAGES else "uk"
            agent = self._agent(request)
            if agent is None:
                return _error("not_ready", 503, ui)
            text, payload, title = data.get("text"), data.get("payload"), data.get("title")
            if payload is not None:
                if not isinstance(payload, str) or not payload.startswith("/") or len(payload) > MAX_PAYLOAD_CHARS:
                    return _error("bad_request", 400, ui)
                if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE_CHARS):
                    return _error("bad_request", 400, ui)
                if payload not in self._allowed_payloads(agent):
                    tracker = await self._tracker(agent, sender_id)
                    if tracker is None or payload not in _latest_buttons(list(tracker.events)):
                        return _error("stale_button", 409, ui)
                metadata = {"webchat_title": title} if title else {}
                return await self._run(on_new_message, agent, sender_id, payload, metadata)
            if not isinstance(text, str):
                return _error("bad_request", 400, ui)
            if len(text) > MAX_TEXT_CHARS:
                return _error("too_long", 413, ui)
            command = command_payload(text)
            if command is not None:
                # A chat command typed from habit («/status N4567891»); the history shows what was typed.
                return await self._run(on_new_message, agent, sender_id, command, {"webchat_title": text.strip()})
            # Other typed text is never a Rasa payload: «/restart» is a question, not a command.
            text = text.strip().lstrip("/").strip()
            if not text:
                return _error("empty", 400, ui)
            return await self._run(on_new_message, agent, sender_id, text, {})

        @bp.route("/language", methods=["POST"])
        async def language(request: Request) -> HTTPResponse:
            sender_id = self.sender_of(request)
            if sender_id is None:
                return _error("no_session", 401)
            data = await self._read_json(request)
            if isinstance(data, HTTPResponse):
                return data
            value = data.get("language")
            if value not in LANGUAGES:
                return _error("bad_request", 400)
            agent = self._agent(request)
            if agent is None:
                return _error("not_ready", 503, value)
            if LANGUAGE_INTENT not in agent.domain.intents:
                # The assistant has no language switch yet: only the page's own texts change.
                return _json({"messages": [], "language": value}, headers={"Cache-Control": "no-store"})
            payload = f"/{LANGUAGE_INTENT}" + json.dumps({LANGUAGE_SLOT: value}, separators=(",", ":"))
            return await self._run(on_new_message, agent, sender_id, payload, {})

        @bp.route("/events", methods=["GET"])
        async def events(request: Request) -> Optional[HTTPResponse]:
            sender_id = self.sender_of(request)
            if sender_id is None:
                return _error("no_session", 401)
            queue = self.hub.open(sender_id)
            if queue is None:
                return _json({"error": "too_many_streams"}, status=429)
            try:
                stream = await request.respond(
                    content_type="text/event-stream; charset=utf-8",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
                )
                await stream.send("retry: 3000\n\n")
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                    except asyncio.TimeoutError:
                        await stream.send(": keep-alive\n\n")
                        continue
                    await stream.send(f"event: message\ndata: {json.dumps(item, ensure_ascii=False)}\n\n")
            except ConnectionError:
                pass
            finally:
                self.hub.close(sender_id, queue)
            return None

        return bp
