"""Incoming Telegram updates: de-duplication, commands, messages, button presses -> Rasa."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from telegram import Bot, Message, Update, User
from telegram.constants import ChatType

from connectors import telegram_texts as texts
from connectors.channel_state import ChannelState
from connectors.input_limits import MAX_TEXT_CHARS, command_payload, too_long_reply
from connectors.telegram_buttons import ButtonRegistry
from connectors.telegram_outbound import TelegramOutbound

logger = logging.getLogger(__name__)

CHANNEL_NAME = "telegram"
# Telegram resends an unanswered update for up to 24 hours.
UPDATE_DEDUPE_TTL = 86400

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramInbound:
    """Routes one update to Rasa (or answers it directly); never raises to the caller."""

    def __init__(
        self,
        bot: Bot,
        state: ChannelState,
        buttons: ButtonRegistry,
        outbound: TelegramOutbound,
        make_output: Callable[[], OutputChannel],
    ) -> None:
        self.bot = bot
        self.state = state
        self.buttons = buttons
        self.outbound = outbound
        self.make_output = make_output
        self.username: Optional[str] = None  # set once getMe answered
        self.on_new_message: Optional[OnNewMessage] = None

    async def process(self, data: Dict[str, Any]) -> str:
        """Handle one update; never raises (Telegram would resend it). Returns an outcome."""
        if self.on_new_message is None:
            logger.warning("Telegram update before the server was ready; ignored")
            return "not_ready"
        try:
            return await self._route(data, self.on_new_message)
        except Exception:
            logger.exception("Telegram update %s failed", data.get("update_id"))
            return "error"

    async def _first_time(self, update_id: Any) -> bool:
        if not isinstance(update_id, int):
            return True
        try:
            return await self.state.first_time(f"update:{update_id}", UPDATE_DEDUPE_TTL)
        except Exception as exc:  # answering twice beats not answering at all
            logger.warning("Update de-duplication unavailable (%s); processing", exc)
            return True

    async def _route(self, data: Dict[str, Any], on_new_message: OnNewMessage) -> str:
        if not await self._first_time(data.get("update_id")):
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
                await self.outbound.reply(str(msg.chat.id), texts.EDITED_MESSAGE)
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
            await self.outbound.reply(chat_id, texts.MEDIA_ANSWERS[kind])
            return f"media:{kind}"
        if len(text) > MAX_TEXT_CHARS:
            # The NLU never reads more than this (memory and time); the person hears why, in their language.
            await self.outbound.reply(chat_id, too_long_reply(text))
            return "too_long"
        if text.startswith("/"):
            # «/status@DmsBot КВ123456» tracks that number; an unknown command gets the list of commands.
            payload = command_payload(text)
            if payload is None:
                await self.outbound.reply(chat_id, texts.UNKNOWN_COMMAND)
                return "unknown_command"
            text = payload
        await self.buttons.advance(chat_id)
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
        await self.outbound.send_message(str(msg.chat.id), answer, None)
        return "group"

    async def _on_callback(self, update: Update, on_new_message: OnNewMessage) -> str:
        query = update.callback_query
        assert query is not None
        msg = query.message
        chat_id = str(msg.chat.id) if msg else str(query.from_user.id)
        ref = await self.buttons.resolve(chat_id, query.data)
        if ref is None:
            await self.outbound.answer_query(query.id, texts.STALE_BUTTON)
            if msg:
                await self.outbound.remove_keyboard(chat_id, msg.message_id)
            return "stale"
        await self.buttons.advance(chat_id)
        await self.outbound.answer_query(query.id, None)
        if msg:
            await self.outbound.mark_chosen(chat_id, msg, ref.title)
        await self._to_rasa(chat_id, ref.payload, msg.message_id if msg else None, query.from_user, on_new_message)
        return "rasa"

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
        try:
            await on_new_message(
                UserMessage(
                    text,
                    self.make_output(),
                    sender_id=chat_id,
                    input_channel=CHANNEL_NAME,
                    metadata=metadata,
                )
            )
        except Exception:
            logger.exception("Rasa failed on a Telegram message from %s", chat_id)
            try:
                await self.outbound.reply(chat_id, texts.TECHNICAL_ERROR)
            except Exception:
                logger.exception("Could not tell %s about the error", chat_id)
