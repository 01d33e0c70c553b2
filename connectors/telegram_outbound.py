"""Outgoing Telegram messages: texts split and formatted, keyboards, media, button feedback."""

from __future__ import annotations

import html
import logging
import os
from typing import Any, Dict, List, Optional

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from connectors.telegram_buttons import ButtonRegistry, main_menu
from connectors.telegram_delivery import Sender
from connectors.telegram_format import (
    MAX_CAPTION,
    MAX_MESSAGE,
    split_text,
    to_html,
    to_plain,
    utf16_len,
)

logger = logging.getLogger(__name__)


def chat_ref(chat_id: str) -> int | str:
    """Rasa sender ids are strings; Telegram wants the numeric chat id."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramOutbound:
    """Every Bot API call that shows something to a user goes through here (paced by Sender)."""

    def __init__(self, bot: Bot, buttons: ButtonRegistry, sender: Sender) -> None:
        self.bot = bot
        self.buttons = buttons
        self.sender = sender

    async def reply(self, chat_id: str, text: str) -> None:
        await self.send_message(chat_id, text, main_menu())

    async def send_text(self, chat_id: str, text: str, buttons: Optional[List[Dict[str, Any]]] = None) -> None:
        chunks = split_text(text or "")
        keyboard = await self.buttons.inline_keyboard(chat_id, buttons) if buttons else None
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
            await self.send_message(chat_id, chunk, markup)

    async def send_message(
        self,
        chat_id: str,
        chunk: str,
        markup: Optional[InlineKeyboardMarkup | ReplyKeyboardMarkup],
    ) -> Message:
        async def send(text: str, parse_mode: Optional[str]) -> Message:
            return await self.sender.call(
                chat_id,
                lambda: self.bot.send_message(
                    chat_ref(chat_id),
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
                chat_ref(chat_id), media, caption=caption_html, parse_mode=ParseMode.HTML
            )
        else:
            call = lambda: self.bot.send_document(  # noqa: E731
                chat_ref(chat_id), media, caption=caption_html, parse_mode=ParseMode.HTML
            )
        await self.sender.call(chat_id, call, f"send_{kind}")
        if caption and caption_html is None:
            await self.send_text(chat_id, caption)

    # ---- feedback on a button press ---------------------------------------------------

    async def answer_query(self, query_id: str, text: Optional[str]) -> None:
        try:
            await self.sender.call(
                None,
                lambda: self.bot.answer_callback_query(query_id, text=text),
                "answerCallbackQuery",
                paced=False,
            )
        except Exception as exc:  # e.g. "query is too old": the press is still handled
            logger.warning("answerCallbackQuery failed: %s", exc)

    async def remove_keyboard(self, chat_id: str, message_id: int) -> None:
        try:
            await self.sender.call(
                chat_id,
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=chat_ref(chat_id), message_id=message_id, reply_markup=None
                ),
                "editMessageReplyMarkup",
                paced=False,
            )
        except Exception as exc:  # too old or already removed
            logger.info("Could not remove a keyboard: %s", exc)

    async def mark_chosen(self, chat_id: str, msg: Any, title: str) -> None:
        """Replace the pressed keyboard by the choice, so it cannot be pressed again."""
        if isinstance(msg, Message) and msg.text:
            new_text = f"{msg.text_html}\n\n✅ {html.escape(title, quote=False)}"
            if utf16_len(f"{msg.text}\n\n✅ {title}") <= MAX_MESSAGE:
                try:
                    await self.sender.call(
                        chat_id,
                        lambda: self.bot.edit_message_text(
                            new_text,
                            chat_id=chat_ref(chat_id),
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
        await self.remove_keyboard(chat_id, msg.message_id)
