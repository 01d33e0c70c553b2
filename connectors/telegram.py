"""Rasa input/output channel for Telegram on python-telegram-bot.

Register in credentials.yml as `connectors.telegram.TelegramInput:`; `name()` is "telegram",
so the webhook is `POST /webhooks/telegram/webhook` and trigger_intent uses
`output_channel=telegram`. Configuration comes from TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL,
TELEGRAM_WEBHOOK_SECRET and TELEGRAM_API_BASE_URL (credentials.yml keys token, webhook_url,
webhook_secret, api_base_url are the fallback). Without a token the channel stays off.
With REDIS_URL set, button tokens, update de-duplication and pacing live in Redis, so several
Rasa replicas (webhook mode) can serve one bot.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.request import HTTPXRequest

from connectors.channel_state import ChannelState, channel_state_from_env
from connectors.input_limits import BadInput, has_invalid_text, header_value, parse_json_object
from connectors.telegram_buttons import ButtonRegistry
from connectors.telegram_delivery import DeliveryError, RateLimiter, Sender
from connectors.telegram_inbound import CHANNEL_NAME, OnNewMessage, TelegramInbound
from connectors.telegram_lifecycle import TelegramLifecycle
from connectors.telegram_outbound import TelegramOutbound
from connectors.telegram_settings import TelegramSettings

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramService:
    """One bot in one process: wires the Bot, the shared state and the three parts.

    telegram_lifecycle (start-up, polling, stop), telegram_inbound (updates -> Rasa) and
    telegram_outbound (messages, keyboards, media) share one Bot, one Sender (pacing) and one
    ButtonRegistry; the channel state is Redis when REDIS_URL is set, else memory.
    """

    def __init__(self, settings: TelegramSettings, state: Optional[ChannelState] = None) -> None:
        if not settings.token:
            raise ValueError("TelegramService needs a token")
        self.settings = settings
        self.state = state if state is not None else channel_state_from_env("tg")
        # One Bot (and one HTTP connection pool) per process; getUpdates gets its own pool
        # so a long poll never blocks outgoing messages.
        self.bot = Bot(
            settings.token,
            base_url=settings.api_base_url,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15.0),
            get_updates_request=HTTPXRequest(connection_pool_size=2),
        )
        self.buttons = ButtonRegistry(self.state)
        self.sender = Sender(RateLimiter(state=self.state))
        self.outbound = TelegramOutbound(self.bot, self.buttons, self.sender)
        self.inbound = TelegramInbound(self.bot, self.state, self.buttons, self.outbound, lambda: TelegramOutput(self))
        self.lifecycle = TelegramLifecycle(self.bot, settings, self.sender, self.state, self.inbound)

    @property
    def username(self) -> Optional[str]:
        return self.inbound.username

    def attach(self, on_new_message: OnNewMessage) -> None:
        """Where incoming messages go (Rasa's handler)."""
        self.inbound.on_new_message = on_new_message

    async def start(self) -> None:
        await self.lifecycle.start()

    async def stop(self) -> None:
        await self.lifecycle.stop()

    async def process(self, data: Dict[str, Any]) -> str:
        return await self.inbound.process(data)

    async def send_text(self, chat_id: str, text: str, buttons: Optional[List[Dict[str, Any]]] = None) -> None:
        await self.outbound.send_text(chat_id, text, buttons)

    async def send_media(self, chat_id: str, kind: str, source: str, caption: str = "") -> None:
        await self.outbound.send_media(chat_id, kind, source, caption)


class TelegramOutput(OutputChannel):
    """Sends Rasa responses to any chat id (also proactively via trigger_intent)."""

    def __init__(self, service: TelegramService) -> None:
        self.service = service

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.service.send_text(str(recipient_id), text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.service.send_text(str(recipient_id), text, buttons)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.service.send_text(str(recipient_id), text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.service.send_media(str(recipient_id), "photo", str(image))

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, dict):
            source = attachment.get("url") or attachment.get("payload", {}).get("src")
            caption = str(attachment.get("caption") or "")
        else:
            source, caption = attachment, ""
        if not source:
            logger.warning("Attachment without a URL: %r", attachment)
            return
        await self.service.send_media(str(recipient_id), "document", str(source), caption)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Custom payloads: {"photo"|"document": url, "caption": ..., "text": ..., "buttons": [...]}."""
        chat_id = str(recipient_id)
        data = json_message.get("telegram", json_message)
        caption = str(data.get("caption") or "")
        if data.get("photo"):
            await self.service.send_media(chat_id, "photo", str(data["photo"]), caption)
        elif data.get("document"):
            await self.service.send_media(chat_id, "document", str(data["document"]), caption)
        elif data.get("text"):
            await self.service.send_text(chat_id, str(data["text"]), data.get("buttons"))
        else:
            logger.warning("Unsupported custom Telegram payload ignored: %s", sorted(data))


class DisabledTelegramOutput(OutputChannel):
    """Without a token nothing can be delivered: say so loudly instead of dropping."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        raise DeliveryError("the Telegram channel is off (TELEGRAM_TOKEN is not set)")


_SERVICES: Dict[tuple, TelegramService] = {}


def service_for(settings: TelegramSettings) -> TelegramService:
    """One Bot per process and token, however often the channel is created."""
    key = (settings.token, settings.api_base_url)
    if key not in _SERVICES:
        _SERVICES[key] = TelegramService(settings)
    return _SERVICES[key]


class TelegramInput(InputChannel):
    """Telegram webhook / long polling input channel."""

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.service: Optional[TelegramService] = service_for(settings) if settings.enabled else None
        if self.service is None:
            logger.info("TELEGRAM_TOKEN is not set: the Telegram channel is off")

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(TelegramSettings.load(credentials))

    def get_output_channel(self) -> OutputChannel:
        if self.service is None:
            return DisabledTelegramOutput()
        return TelegramOutput(self.service)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("telegram_webhook", __name__)
        service = self.service
        settings = self.settings
        if service is not None:
            service.attach(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": settings.mode})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if service is None:
                return response.json({"ok": False, "error": "telegram channel is off"}, status=404)
            # A non-ASCII header can never match (and must not reach .encode() as surrogates: 500).
            given = header_value(request.headers, SECRET_HEADER) or ""
            if not hmac.compare_digest(given.encode(), settings.webhook_secret.encode()):
                logger.warning("Telegram webhook call with a wrong secret token rejected")
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            try:
                data = parse_json_object(request.body or b"")
            except BadInput:
                data = None
            if not isinstance(data, dict) or has_invalid_text(data):
                return response.json({"ok": False, "error": "an Update object expected"}, status=400)
            outcome = await service.process(data)
            # Always 200 after the secret check: any error is ours, a resend would not help.
            return response.json({"ok": True, "outcome": outcome})

        if service is not None:

            @bp.listener("after_server_start")
            async def start(app: Any, loop: Any) -> None:
                await service.start()

            @bp.listener("before_server_stop")
            async def stop(app: Any, loop: Any) -> None:
                await service.stop()

        return bp
