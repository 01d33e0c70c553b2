"""Rasa input/output channel for Viber (REST Bot API, our own aiohttp code).

Register in credentials.yml as `connectors.viber.ViberInput:`; `name()` is "viber", so callbacks
arrive at `POST /webhooks/viber/webhook` and trigger_intent uses `output_channel=viber`.
Configuration: VIBER_TOKEN (without it the channel is off), VIBER_BOT_NAME (sender name, at most 28
characters), VIBER_WEBHOOK_URL (when set, `set_webhook` is called at start-up), VIBER_API_BASE_URL
(default https://chatapi.viber.com/pa); credentials.yml keys token, bot_name, webhook_url and
api_base_url are the fallback. See docs/viber.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import input_limits
from connectors import viber_texts as texts
from connectors.channel_state import channel_state_from_env
from connectors.telegram_format import split_text, to_plain
from connectors.viber_api import (
    DEFAULT_API_BASE_URL,
    MAX_SENDER_NAME,
    MAX_TEXT,
    ViberApi,
    ViberApiError,
    ViberNotSubscribed,
    keyboard,
    offered_buttons,
    sign_buttons,
    signature_ok,
)
from dmsbot.settings import settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "viber"
WEBHOOK_PATH = "/webhooks/viber/webhook"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
DEFAULT_BOT_NAME = "Паспортний помічник"
EVENT_TYPES = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")
ACKNOWLEDGED_EVENTS = ("delivered", "seen", "webhook", "client_status")
DEDUPE_SECONDS = 3 * 3600  # Viber resends a callback for up to an hour

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

_KEYS = {
    "VIBER_TOKEN": "token",
    "VIBER_BOT_NAME": "bot_name",
    "VIBER_WEBHOOK_URL": "webhook_url",
    "VIBER_API_BASE_URL": "api_base_url",
}


@dataclass(frozen=True)
class ViberSettings:
    token: Optional[str]
    bot_name: str
    webhook_url: Optional[str]
    api_base_url: str

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def load(
        cls,
        credentials: Optional[Mapping[str, Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "ViberSettings":
        env = settings(environ)  # only what the environment sets: credentials.yml fills in the rest
        creds = credentials or {}

        def pick(name: str) -> Optional[str]:
            value = env.given(name) or creds.get(_KEYS[name])
            value = str(value).strip() if value is not None else ""
            return value or None

        name = pick("VIBER_BOT_NAME") or DEFAULT_BOT_NAME
        if len(name) > MAX_SENDER_NAME:
            logger.warning("VIBER_BOT_NAME is longer than %d characters; shortened", MAX_SENDER_NAME)
            name = name[:MAX_SENDER_NAME]
        return cls(
            token=pick("VIBER_TOKEN"),
            bot_name=name,
            webhook_url=full_webhook_url(pick("VIBER_WEBHOOK_URL")),
            api_base_url=(pick("VIBER_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
        )


def full_webhook_url(url: Optional[str]) -> Optional[str]:
    """Accept a bare public origin (https://bot.example.org) or the full webhook URL."""
    if not url:
        return None
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


@dataclass
class _Item:
    """One outgoing message before it is cut to Viber's limits."""

    text: str = ""
    buttons: Optional[List[Dict[str, Any]]] = None
    picture: Optional[str] = None


class ViberService:
    """Everything one bot needs in a process: the API client, dedupe, language and tracking hooks."""

    def __init__(self, settings: ViberSettings) -> None:
        if not settings.token:
            raise ValueError("ViberService needs a token")
        self.settings = settings
        self._token = settings.token
        self.api = ViberApi(settings.token, settings.api_base_url)
        # Seen message tokens: in Redis when REDIS_URL is set (replicas agree), else in memory.
        self.state = channel_state_from_env("viber")
        self._on_new_message: Optional[OnNewMessage] = None
        self._app: Any = None
        self._startup_task: Optional[asyncio.Task] = None
        self._device_language: "OrderedDict[str, str]" = OrderedDict()
        self._checked_users: "OrderedDict[str, None]" = OrderedDict()
        self._background: set = set()
        self.webhook_set = False

    # ---- lifecycle -------------------------------------------------------------------

    def attach(self, on_new_message: OnNewMessage) -> None:
        self._on_new_message = on_new_message

    async def start(self, app: Any) -> None:
        self._app = app
        if self.settings.webhook_url:
            self._startup_task = asyncio.create_task(self._set_webhook())

    async def _set_webhook(self) -> None:
        # Viber checks the URL with a `webhook` callback while set_webhook runs, so the server
        # must already answer: this runs after start-up, and retries while Viber is unreachable.
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.api.set_webhook(str(self.settings.webhook_url), EVENT_TYPES)
                self.webhook_set = True
                logger.info("Viber webhook set to %s", self.settings.webhook_url)
                return
            except asyncio.CancelledError:
                raise
            except ViberApiError as exc:
                if exc.status is not None:  # refused: wrong token or URL, waiting will not help
                    logger.error("Viber refused set_webhook (check VIBER_TOKEN / VIBER_WEBHOOK_URL): %s", exc)
                    return
                delay = min(2**attempt, 60)
                logger.warning("Viber set_webhook failed (%s), retrying in %ds", exc, delay)
                await asyncio.sleep(delay)

    async def stop(self) -> None:
        if self._startup_task and not self._startup_task.done():
            self._startup_task.cancel()
            try:
                await self._startup_task
            except (asyncio.CancelledError, Exception):
                pass
        if self._background:
            await asyncio.wait(set(self._background), timeout=5)
        await self.api.close()
        await self.state.close()

    # ---- incoming callbacks ----------------------------------------------------------

    async def process(self, data: Dict[str, Any]) -> Tuple[str, Optional[Dict[str, Any]]]:
        """Handle one signed callback; returns (outcome, body of the HTTP answer or None)."""
        event = data.get("event")
        if event in ACKNOWLEDGED_EVENTS:
            return event, None
        if event == "failed":
            logger.warning(
                "Viber could not deliver a message to %s: %s",
                _short(data.get("user_id")),
                str(data.get("desc") or "")[:200],
            )
            return "failed", None
        if event == "conversation_started":
            # No side effects, so a resent one simply gets the same welcome again.
            return "welcome", await self._welcome(data)
        token = data.get("message_token")
        if isinstance(token, (int, str)) and token != "" and not await self._first_time(f"{event}:{token}"):
            return "duplicate", None
        if event == "message":
            return await self._on_message(data), None
        if event == "unsubscribed":
            user_id = _user_id(data.get("user_id"))
            if user_id:
                await self._pause_tracking(user_id)
            return "unsubscribed", None
        if event == "subscribed":
            user_id = _user_id((data.get("user") or {}).get("id") if isinstance(data.get("user"), dict) else None)
            if user_id:
                self._remember_language(user_id, (data.get("user") or {}).get("language"))
                await self._resume_tracking(user_id)
            return "subscribed", None
        return "ignored", None

    async def _first_time(self, key: str) -> bool:
        try:
            return bool(await self.state.first_time(key, ttl=DEDUPE_SECONDS))
        except Exception as exc:  # noqa: BLE001 - Redis down: a duplicate is better than a lost message
            logger.warning("Viber dedupe unavailable (%s); processing the callback", type(exc).__name__)
            return True

    async def _welcome(self, data: Dict[str, Any]) -> Dict[str, Any]:
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        user_id = _user_id(user.get("id"))
        device = user.get("language") if isinstance(user.get("language"), str) else None
        language = await self.language(user_id, device) if user_id else texts.language_of(None, device)
        return {
            "sender": {"name": self.settings.bot_name},
            "type": "text",
            "text": texts.text("welcome", language),
            "keyboard": keyboard(texts.main_menu_labels(language)),
        }

    async def _on_message(self, data: Dict[str, Any]) -> str:
        sender = data.get("sender") if isinstance(data.get("sender"), dict) else {}
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        user_id = _user_id(sender.get("id"))
        if not user_id:
            return "ignored"
        device = sender.get("language") if isinstance(sender.get("language"), str) else None
        self._remember_language(user_id, device)
        self._resume_once(user_id)
        kind = message.get("type")
        try:
            text = input_limits.clean_text(message.get("text")).strip()
        except input_limits.BadInput:  # not a string, lone surrogates, NUL: nothing we can read
            text = ""
        # A picture or video with a caption is read as text, as in Telegram.
        if kind not in ("text", "picture", "video") or not text:
            key = texts.MEDIA_ANSWER_KEYS.get(str(kind), "not_text")
            await self.reply(user_id, texts.text(key, await self.language(user_id)))
            return f"media:{kind}"
        if len(text) > input_limits.MAX_TEXT_CHARS:
            await self.reply(user_id, _too_long(await self.language(user_id)))
            return "too_long"
        chosen: Optional[str] = None
        if text.startswith("/"):
            chosen = offered_buttons(self._token, user_id, message.get("tracking_data")).get(text)
            if chosen is None and text in texts.MENU_PAYLOADS:
                chosen = dict(texts.main_menu_labels(await self.language(user_id))).get(text) or ""
            command = input_limits.command_payload(text) if chosen is None else None
            if command is not None:
                text = command  # «/status N4567891» typed from habit: tracking with that number
            elif chosen is None:
                # Users cannot type raw Rasa payloads; an old keyboard's press lands here too.
                await self.reply(user_id, texts.text("stale_button", await self.language(user_id)))
                return "stale"
        await self._to_rasa(user_id, text, device, chosen)
        return "rasa"

    async def _to_rasa(self, user_id: str, text: str, device: Optional[str], chosen: Optional[str] = None) -> None:
        """`chosen`: title of the pressed button, echoed before the answer (the press itself is silent)."""
        assert self._on_new_message is not None
        metadata: Dict[str, Any] = {"viber": {}}
        if device:
            metadata["viber"]["language_code"] = device[:10]
        output = ViberOutput(self, buffered=True)
        try:
            await self._on_new_message(
                UserMessage(text, output, sender_id=user_id, input_channel=CHANNEL_NAME, metadata=metadata)
            )
            await output.flush(user_id, echo=chosen)
        except Exception:
            logger.exception("Rasa or Viber failed on a message from %s", _short(user_id))
            try:
                await self.reply(user_id, texts.text("technical_error", await self.language(user_id)))
            except Exception:
                logger.exception("Could not tell %s about the error", _short(user_id))

    # ---- language --------------------------------------------------------------------

    def _remember_language(self, user_id: str, device: Any) -> None:
        if isinstance(device, str) and device:
            self._device_language.pop(user_id, None)
            self._device_language[user_id] = device[:10]
            while len(self._device_language) > 100_000:
                self._device_language.popitem(last=False)

    async def language(self, user_id: str, device: Optional[str] = None) -> str:
        """'uk' or 'en': the conversation's `language` slot, else the phone's language."""
        slot = None
        agent = getattr(getattr(self._app, "ctx", None), "agent", None) if self._app else None
        if agent is not None and getattr(agent, "tracker_store", None) is not None:
            try:
                tracker = await agent.tracker_store.retrieve(user_id)
                if tracker is not None and "language" in tracker.slots:
                    slot = tracker.get_slot("language")
            except Exception as exc:  # a language guess is not worth failing a reply
                logger.debug("language slot lookup failed: %s", exc)
        return texts.language_of(slot, device or self._device_language.get(user_id))

    # ---- tracking subscriptions ------------------------------------------------------

    async def _pause_tracking(self, user_id: str) -> None:
        try:
            n = await asyncio.to_thread(_tracking_store().pause_subscriptions, user_id)
            logger.info("Viber user %s unsubscribed: %d tracking subscription(s) paused", _short(user_id), n)
        except Exception:
            logger.exception("Could not pause the tracking subscriptions of %s", _short(user_id))
        self._checked_users.pop(user_id, None)

    async def _resume_tracking(self, user_id: str) -> None:
        try:
            n = await asyncio.to_thread(_tracking_store().resume_subscriptions, user_id)
            if n:
                logger.info("Viber user %s is back: %d tracking subscription(s) resumed", _short(user_id), n)
        except Exception:
            logger.exception("Could not resume the tracking subscriptions of %s", _short(user_id))

    def _resume_once(self, user_id: str) -> None:
        """A message means the user is subscribed again; check the store once per process and user."""
        if user_id in self._checked_users:
            return
        self._checked_users[user_id] = None
        while len(self._checked_users) > 100_000:
            self._checked_users.popitem(last=False)
        task = asyncio.create_task(self._resume_tracking(user_id))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ---- outgoing --------------------------------------------------------------------

    async def reply(self, user_id: str, text: str) -> None:
        """A channel's own answer (not from Rasa), with the main menu."""
        await self.send_items(user_id, [_Item(text=text)])

    async def send_items(self, user_id: str, items: List[_Item], echo: Optional[str] = None) -> None:
        """Send messages in order; the keyboard goes on the last one (Viber shows the latest only).

        The last buttons of the turn make the keyboard, else the main menu in the user's language.
        `echo` (a pressed button's title) opens the first message as «✅ title».
        """
        if echo and items:
            if items[0].picture is None:
                items = [_Item(text=f"✅ {echo}\n\n{items[0].text}", buttons=items[0].buttons), *items[1:]]
            else:
                items = [_Item(text=f"✅ {echo}"), *items]
        parts: List[_Item] = []
        buttons: Optional[List[Dict[str, Any]]] = None
        for item in items:
            if item.buttons:
                buttons = item.buttons
            if item.picture:
                parts.append(_Item(picture=item.picture, text=item.text))
                continue
            for chunk in split_text(to_plain(item.text or ""), MAX_TEXT):
                parts.append(_Item(text=chunk))
        if not parts:
            if not buttons:
                return
            parts = [_Item(text="👇")]
        replies, links = _split_buttons(buttons or [])
        if not replies and not links:
            replies = list(texts.main_menu_labels(await self.language(user_id)))
        tracking = sign_buttons(self._token, user_id, replies) if buttons else None
        for i, part in enumerate(parts):
            body: Dict[str, Any] = {
                "receiver": user_id,
                "sender": {"name": self.settings.bot_name},
            }
            if part.picture:
                body.update(type="picture", media=part.picture, text=(part.text or "")[:120])
            else:
                body.update(type="text", text=part.text)
            if i == len(parts) - 1:
                body["keyboard"] = keyboard(replies, links)
                if tracking:
                    body["tracking_data"] = tracking
            try:
                await self.api.send_message(body)
            except ViberNotSubscribed:
                # The user left the bot: stop queueing notifications for them (a message resumes them).
                await self._pause_tracking(user_id)
                raise


def _split_buttons(buttons: List[Dict[str, Any]]) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    replies: List[Tuple[str, str]] = []
    links: List[Tuple[str, str]] = []
    for button in buttons:
        if not isinstance(button, dict):
            continue
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        if button.get("url"):
            links.append((str(button["url"]), title))
        else:
            replies.append((str(button.get("payload") or title), title))
    return replies, links


def _user_id(value: Any) -> str:
    return value.strip()[:128] if isinstance(value, str) else ""


def _short(user_id: Any) -> str:
    """Logs name a user by a prefix of the id, enough to follow one conversation."""
    return (str(user_id or "")[:6] + "…") if user_id else "?"


def _too_long(language: str) -> str:
    n = f"{input_limits.MAX_TEXT_CHARS:,}"
    if language == "en":
        return input_limits.TOO_LONG_EN.format(n=n)
    return input_limits.TOO_LONG_UK.format(n=n.replace(",", " "))


_STORE: Any = None


def _tracking_store() -> Any:
    global _STORE
    if _STORE is None:
        from tracking.store import TrackingStore

        _STORE = TrackingStore()
    return _STORE


class ViberOutput(OutputChannel):
    """Rasa responses to Viber. Buffered for a user's turn (flush sends), direct for trigger_intent."""

    def __init__(self, service: ViberService, buffered: bool = False) -> None:
        self.service = service
        self.buffered = buffered
        self._items: List[_Item] = []

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def _add(self, recipient_id: Text, item: _Item) -> None:
        if self.buffered:
            self._items.append(item)
        else:
            await self.service.send_items(str(recipient_id), [item])

    async def flush(self, recipient_id: Text, echo: Optional[str] = None) -> None:
        items, self._items = self._items, []
        if items:
            await self.service.send_items(str(recipient_id), items, echo=echo)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._add(recipient_id, _Item(text=text))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._add(recipient_id, _Item(text=text, buttons=list(buttons)))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._add(recipient_id, _Item(text=text, buttons=list(quick_replies)))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._add(recipient_id, _Item(picture=str(image)))

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        # A Viber file message needs the size in advance; a link works everywhere.
        if isinstance(attachment, dict):
            url = attachment.get("url") or (attachment.get("payload") or {}).get("src")
            caption = str(attachment.get("caption") or "")
        else:
            url, caption = attachment, ""
        if url:
            await self._add(recipient_id, _Item(text=f"{caption}\n{url}".strip()))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        data = json_message.get("viber", json_message)
        if data.get("text"):
            await self._add(recipient_id, _Item(text=str(data["text"]), buttons=data.get("buttons")))
        elif data.get("photo"):
            await self._add(recipient_id, _Item(picture=str(data["photo"]), text=str(data.get("caption") or "")))
        elif data.get("document"):
            await self.send_attachment(recipient_id, {"url": data["document"], "caption": data.get("caption")})
        else:
            logger.warning("Unsupported custom Viber payload ignored: %s", sorted(data))


class DisabledViberOutput(OutputChannel):
    """Without a token nothing can be delivered: say so loudly instead of dropping."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        raise ViberApiError("send_message", None, "the Viber channel is off (VIBER_TOKEN is not set)")


_SERVICES: Dict[tuple, ViberService] = {}


def service_for(settings: ViberSettings) -> ViberService:
    """One client per process and token, however often the channel is created."""
    key = (settings.token, settings.api_base_url, settings.bot_name)
    if key not in _SERVICES:
        _SERVICES[key] = ViberService(settings)
    return _SERVICES[key]


class ViberInput(InputChannel):
    """Viber callbacks in, Rasa responses out."""

    def __init__(self, settings: ViberSettings) -> None:
        self.settings = settings
        self.service: Optional[ViberService] = service_for(settings) if settings.enabled else None
        if self.service is None:
            logger.info("VIBER_TOKEN is not set: the Viber channel is off")

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ViberInput":
        return cls(ViberSettings.load(credentials))

    def get_output_channel(self) -> OutputChannel:
        if self.service is None:
            return DisabledViberOutput()
        return ViberOutput(self.service)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("viber_webhook", __name__)
        service = self.service
        if service is not None:
            service.attach(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            mode = "off" if service is None else ("webhook" if service.webhook_set else "waiting")
            return response.json({"status": "ok", "mode": mode})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if service is None:
                return response.json({"status": "off", "error": "viber channel is off"}, status=404)
            body = request.body or b""
            if len(body) > input_limits.MAX_BODY_BYTES:  # Viber callbacks are small
                return response.json({"error": "body too large"}, status=413)
            given = input_limits.header_value(request.headers, SIGNATURE_HEADER)
            if not signature_ok(service._token, body, given):
                logger.warning("Viber callback with a wrong or missing signature rejected")
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = input_limits.parse_json_object(body)
            except input_limits.BadInput as exc:
                return response.json({"error": str(exc)}, status=400)
            if not isinstance(data.get("event"), str):
                return response.json({"error": "a Viber callback object expected"}, status=400)
            # Shielded: if Viber hangs up (its timeout) the turn still completes; its resend is then
            # a duplicate, so the message is neither lost nor answered twice.
            task = asyncio.ensure_future(service.process(data))
            try:
                outcome, answer = await asyncio.shield(task)
            except asyncio.CancelledError:
                raise
            except Exception:  # ours, not Viber's: a resend would not help
                logger.exception("Viber callback %s failed", data.get("event"))
                outcome, answer = "error", None
            if answer is not None:
                return response.json(answer)
            return response.json({"status": 0, "outcome": outcome})

        if service is not None:

            @bp.listener("after_server_start")
            async def start(app: Any, loop: Any) -> None:
                await service.start(app)

            @bp.listener("before_server_stop")
            async def stop(app: Any, loop: Any) -> None:
                await service.stop()

        return bp
