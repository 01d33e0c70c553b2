"""Rasa input/output channel for Telegram on python-telegram-bot.

Register in credentials.yml as `connectors.telegram.TelegramInput:`; `name()` is "telegram",
so the webhook is `POST /webhooks/telegram/webhook` and trigger_intent uses
`output_channel=telegram`. Configuration comes from TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL,
TELEGRAM_WEBHOOK_SECRET and TELEGRAM_API_BASE_URL (credentials.yml keys token, webhook_url,
webhook_secret, api_base_url are the fallback). Without a token the channel stays off.
"""
from __future__ import annotations

import asyncio
import hmac
import html
import logging
import os
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken
from telegram.request import HTTPXRequest

from connectors import telegram_texts as texts
from connectors.telegram_buttons import ButtonRegistry, main_menu
from connectors.telegram_delivery import DeliveryError, Sender
from connectors.telegram_format import (
    MAX_CAPTION,
    MAX_MESSAGE,
    split_text,
    to_html,
    to_plain,
    utf16_len,
)
from connectors.telegram_settings import TelegramSettings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# Slash commands -> Rasa payloads.
COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "menu": "/help",
    "status": "/track_document",
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramService:
    """Everything one bot needs in a process: the Bot, keyboards, pacing, polling."""

    def __init__(self, settings: TelegramSettings) -> None:
        if not settings.token:
            raise ValueError("TelegramService needs a token")
        self.settings = settings
        # One Bot (and one HTTP connection pool) per process; getUpdates gets its own pool
        # so a long poll never blocks outgoing messages.
        self.bot = Bot(
            settings.token,
            base_url=settings.api_base_url,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15.0),
            get_updates_request=HTTPXRequest(connection_pool_size=2),
        )
        self.buttons = ButtonRegistry()
        self.sender = Sender()
        self.username: Optional[str] = None
        self._seen_updates: "OrderedDict[int, None]" = OrderedDict()
        self._startup_task: Optional[asyncio.Task] = None
        self._poll_task: Optional[asyncio.Task] = None
        self._handlers: Set[asyncio.Task] = set()
        self._offset: Optional[int] = None
        self._acknowledged: Optional[int] = None
        self._stopping = False
        self._on_new_message: Optional[OnNewMessage] = None

    # ---- lifecycle -------------------------------------------------------------------

    def attach(self, on_new_message: OnNewMessage) -> None:
        """Where incoming messages go (Rasa's handler)."""
        self._on_new_message = on_new_message

    async def start(self) -> None:
        """Called once the Rasa server runs; Telegram set-up happens in the background."""
        self._stopping = False
        self._startup_task = asyncio.create_task(self._start_up())

    async def _start_up(self) -> None:
        try:
            await self._with_retries(self.bot.initialize, "getMe")
            self.username = self.bot.username
            await self._with_retries(
                lambda: self.bot.set_my_commands(
                    [BotCommand(c, d) for c, d in texts.COMMANDS]
                ),
                "setMyCommands",
            )
            if self.settings.webhook_url:
                await self._with_retries(
                    lambda: self.bot.set_webhook(
                        url=self.settings.webhook_url,
                        secret_token=self.settings.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES,
                    ),
                    "setWebhook",
                )
                logger.info("Telegram webhook set to %s", self.settings.webhook_url)
            else:
                # getUpdates is refused while a webhook is set.
                await self._with_retries(self.bot.delete_webhook, "deleteWebhook")
                self._poll_task = asyncio.create_task(self._poll())
                logger.info("Telegram long polling started")
        except InvalidToken:
            logger.error("TELEGRAM_TOKEN was rejected by Telegram; the channel stays off")
        except BadRequest as exc:
            logger.error("Telegram refused the channel set-up (check TELEGRAM_WEBHOOK_URL): %s", exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Telegram channel set-up failed")

    async def _with_retries(self, call: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Start-up calls: keep trying (Telegram may be unreachable for a while)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self.sender.call(None, call, what, paced=False)
            except (InvalidToken, BadRequest, asyncio.CancelledError):
                raise  # configuration errors do not heal by waiting
            except Exception as exc:
                if self._stopping:
                    raise
                delay = min(2**attempt, 60)
                logger.warning("%s failed (%s), retrying in %ds", what, exc, delay)
                await asyncio.sleep(delay)

    async def stop(self) -> None:
        """Stop polling, let running handlers finish, confirm the offset, close HTTP."""
        self._stopping = True
        for task in (self._startup_task, self._poll_task):
            if task and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=10)
        if self._offset is not None and self._offset != self._acknowledged:
            # Confirm the handled updates so a restart does not process them again.
            try:
                await self.bot.get_updates(offset=self._offset, timeout=0, limit=1)
            except Exception as exc:
                logger.warning("Could not confirm the last Telegram updates: %s", exc)
        try:
            await self.bot.shutdown()
        except Exception:
            logger.debug("Bot shutdown failed", exc_info=True)
        logger.info("Telegram channel stopped")

    async def _poll(self) -> None:
        delay = 1.0
        while not self._stopping:
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset,
                    timeout=self.settings.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                self._acknowledged = self._offset
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                logger.error("TELEGRAM_TOKEN was rejected by Telegram; polling stopped")
                return
            except Exception as exc:  # network trouble, Conflict (another poller), 5xx
                logger.warning("getUpdates failed: %s; retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            for update in updates:
                self._offset = update.update_id + 1
                task = asyncio.create_task(self.process(update.to_dict()))
                self._handlers.add(task)
                task.add_done_callback(self._handlers.discard)

    # ---- incoming updates ------------------------------------------------------------

    async def process(self, data: Dict[str, Any]) -> str:
        """Handle one update; never raises (Telegram would resend it). Returns an outcome."""
        if self._on_new_message is None:
            logger.warning("Telegram update before the server was ready; ignored")
            return "not_ready"
        try:
            return await self._route(data, self._on_new_message)
        except Exception:
            logger.exception("Telegram update %s failed", data.get("update_id"))
            return "error"

    def _first_time(self, update_id: Any) -> bool:
        if not isinstance(update_id, int):
            return True
        if update_id in self._seen_updates:
            return False
        self._seen_updates[update_id] = None
        while len(self._seen_updates) > 5000:
            self._seen_updates.popitem(last=False)
        return True

    async def _route(self, data: Dict[str, Any], on_new_message: OnNewMessage) -> str:
        if not self._first_time(data.get("update_id")):
            return "duplicate"
        update = Update.de_json(data, self.bot)
        if update is None:
            return "ignored"
        if update.callback_query:
            return await self._on_callback(update, on_new_message)
        if update.message:
            return await self._on_message(update.message, on_new_message)
        if update.edited_message:
            msg = update.edited_message
            if msg.chat.type == ChatType.PRIVATE:
                await self._reply(str(msg.chat.id), texts.EDITED_MESSAGE)
                return "edited"
        # channel posts, membership changes, anything else: deliberately ignored
        return "ignored"

    async def _on_message(self, msg: Message, on_new_message: OnNewMessage) -> str:
        chat_id = str(msg.chat.id)
        if msg.chat.type != ChatType.PRIVATE:
            return await self._on_group_message(msg)
        if msg.from_user and msg.from_user.is_bot:
            return "ignored"
        text = (msg.text or msg.caption or "").strip()
        if not text:
            kind = next((k for k in texts.MEDIA_ANSWERS if getattr(msg, k, None)), None)
            if kind is None:
                return "ignored"  # service messages (pins, payments, ...)
            await self._reply(chat_id, texts.MEDIA_ANSWERS[kind])
            return f"media:{kind}"
        if text.startswith("/"):
            command = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
            if command not in COMMAND_PAYLOADS:
                await self._reply(chat_id, texts.UNKNOWN_COMMAND)
                return "unknown_command"
            text = COMMAND_PAYLOADS[command]
        self.buttons.advance(chat_id)
        await self._to_rasa(chat_id, text, msg.message_id, msg.from_user, on_new_message)
        return "rasa"

    async def _on_group_message(self, msg: Message) -> str:
        if msg.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return "ignored"
        text = (msg.text or "").strip()
        me = (self.username or "").lower()
        addressed = bool(me) and f"@{me}" in text.lower()
        if text.startswith("/"):
            target = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
            addressed = addressed or "@" not in target
        if not addressed:
            return "ignored"
        answer = texts.GROUP_CHAT + (f": https://t.me/{self.username}" if self.username else ".")
        await self._send_message(str(msg.chat.id), answer, None)
        return "group"

    async def _on_callback(self, update: Update, on_new_message: OnNewMessage) -> str:
        query = update.callback_query
        assert query is not None
        msg = query.message
        chat_id = str(msg.chat.id) if msg else str(query.from_user.id)
        ref = self.buttons.resolve(chat_id, query.data)
        if ref is None:
            await self._answer_query(query.id, texts.STALE_BUTTON)
            if msg:
                await self._remove_keyboard(chat_id, msg.message_id)
            return "stale"
        self.buttons.advance(chat_id)
        await self._answer_query(query.id, None)
        if msg:
            await self._mark_chosen(chat_id, msg, ref.title)
        await self._to_rasa(
            chat_id, ref.payload, msg.message_id if msg else None, query.from_user, on_new_message
        )
        return "rasa"

    async def _answer_query(self, query_id: str, text: Optional[str]) -> None:
        try:
            await self.sender.call(
                None,
                lambda: self.bot.answer_callback_query(query_id, text=text),
                "answerCallbackQuery",
                paced=False,
            )
        except Exception as exc:  # e.g. "query is too old": the press is still handled
            logger.warning("answerCallbackQuery failed: %s", exc)

    async def _remove_keyboard(self, chat_id: str, message_id: int) -> None:
        try:
            await self.sender.call(
                chat_id,
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=_chat_ref(chat_id), message_id=message_id, reply_markup=None
                ),
                "editMessageReplyMarkup",
                paced=False,
            )
        except Exception as exc:  # too old or already removed
            logger.info("Could not remove a keyboard: %s", exc)

    async def _mark_chosen(self, chat_id: str, msg: Any, title: str) -> None:
        """Replace the pressed keyboard by the choice, so it cannot be pressed again."""
        if isinstance(msg, Message) and msg.text:
            new_text = f"{msg.text_html}\n\n✅ {html.escape(title, quote=False)}"
            if utf16_len(f"{msg.text}\n\n✅ {title}") <= MAX_MESSAGE:
                try:
                    await self.sender.call(
                        chat_id,
                        lambda: self.bot.edit_message_text(
                            new_text,
                            chat_id=_chat_ref(chat_id),
                            message_id=msg.message_id,
                            parse_mode=ParseMode.HTML,
                            link_preview_options=LinkPreviewOptions(is_disabled=True),
                        ),
                        "editMessageText",
                        paced=False,
                    )
                    return
                except Exception as exc:
                    logger.info("editMessageText failed (%s); removing the keyboard only", exc)
        await self._remove_keyboard(chat_id, msg.message_id)

    async def _to_rasa(
        self,
        chat_id: str,
        text: str,
        message_id: Optional[int],
        user: Optional[User],
        on_new_message: OnNewMessage,
    ) -> None:
        # No names or usernames: the tracker store only needs what routing needs.
        metadata: Dict[str, Any] = {"telegram": {"chat_id": chat_id, "message_id": message_id}}
        if user and user.language_code:
            metadata["telegram"]["language_code"] = user.language_code
        output = TelegramOutput(self)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender_id=chat_id,
                    input_channel=CHANNEL_NAME,
                    metadata=metadata,
                )
            )
        except Exception:
            logger.exception("Rasa failed on a Telegram message from %s", chat_id)
            try:
                await self._reply(chat_id, texts.TECHNICAL_ERROR)
            except Exception:
                logger.exception("Could not tell %s about the error", chat_id)

    # ---- outgoing --------------------------------------------------------------------

    async def _reply(self, chat_id: str, text: str) -> None:
        await self._send_message(chat_id, text, main_menu())

    async def send_text(
        self, chat_id: str, text: str, buttons: Optional[List[Dict[str, Any]]] = None
    ) -> None:
        chunks = split_text(text or "")
        keyboard = self.buttons.inline_keyboard(chat_id, buttons) if buttons else None
        if not chunks:
            if keyboard is None:
                return
            chunks = ["👇"]
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            markup: Any = None
            if last:
                # A message holds one keyboard: inline buttons win, else the main menu.
                markup = keyboard if keyboard is not None else main_menu()
            await self._send_message(chat_id, chunk, markup)

    async def _send_message(
        self,
        chat_id: str,
        chunk: str,
        markup: Optional[InlineKeyboardMarkup | ReplyKeyboardMarkup],
    ) -> Message:
        async def send(text: str, parse_mode: Optional[str]) -> Message:
            return await self.sender.call(
                chat_id,
                lambda: self.bot.send_message(
                    _chat_ref(chat_id),
                    text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                ),
                "sendMessage",
            )

        try:
            return await send(to_html(chunk), ParseMode.HTML)
        except BadRequest as exc:
            if "entit" not in str(exc).lower() and "pars" not in str(exc).lower():
                raise
            logger.warning("Telegram rejected HTML (%s); sending plain text", exc)
            return await send(to_plain(chunk), None)

    async def send_media(self, chat_id: str, kind: str, source: str, caption: str = "") -> None:
        media: Any = source
        if os.path.isfile(source):
            with open(source, "rb") as fh:
                media = fh.read()
        caption_html = to_html(caption) if caption and utf16_len(caption) <= MAX_CAPTION else None
        if kind == "photo":
            call = lambda: self.bot.send_photo(  # noqa: E731
                _chat_ref(chat_id), media, caption=caption_html, parse_mode=ParseMode.HTML
            )
        else:
            call = lambda: self.bot.send_document(  # noqa: E731
                _chat_ref(chat_id), media, caption=caption_html, parse_mode=ParseMode.HTML
            )
        await self.sender.call(chat_id, call, f"send_{kind}")
        if caption and caption_html is None:
            await self.send_text(chat_id, caption)


def _chat_ref(chat_id: str) -> int | str:
    """Rasa sender ids are strings; Telegram wants the numeric chat id."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


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

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
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
        self.service: Optional[TelegramService] = (
            service_for(settings) if settings.enabled else None
        )
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
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), settings.webhook_secret.encode()):
                logger.warning("Telegram webhook call with a wrong secret token rejected")
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            try:
                data = request.json
            except Exception:
                data = None
            if not isinstance(data, dict):
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
