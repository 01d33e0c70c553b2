"""Inline keyboards: short callback tokens for long payloads, and stale-keyboard detection.

Telegram limits callback_data to 64 bytes, while Rasa payloads such as
`/inform{"residence_ground":"family_reunification"}` or Cyrillic values are longer. Every
button therefore carries a random token; the full payload stays in this per-process map.

Each chat has a generation counter, bumped by every user message and accepted button press.
A keyboard is valid only in the generation it was sent in, so an old keyboard cannot push a
later step of a form into a wrong state. The map lives in memory on purpose: after a
restart old keyboards are stale anyway (the conversation may have moved on) and the user
gets a polite answer; run one Telegram process per bot (webhook or polling), which
Telegram requires for polling anyway.
"""
from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from connectors.telegram_texts import MAIN_MENU_ROWS, MENU_PLACEHOLDER

TOKEN_PREFIX = "b:"
_SHORT_TITLE = 14  # titles up to this length are laid out two per row


@dataclass(frozen=True)
class ButtonRef:
    payload: str
    title: str
    chat_id: str
    generation: int
    created: float


class ButtonRegistry:
    def __init__(self, max_tokens: int = 100_000, max_chats: int = 200_000) -> None:
        self._tokens: "OrderedDict[str, ButtonRef]" = OrderedDict()
        self._generations: "OrderedDict[str, int]" = OrderedDict()
        self._max_tokens = max_tokens
        self._max_chats = max_chats

    def generation(self, chat_id: str) -> int:
        return self._generations.get(chat_id, 0)

    def advance(self, chat_id: str) -> int:
        """A new user turn in this chat: every keyboard sent before it becomes stale."""
        gen = self._generations.pop(chat_id, 0) + 1
        self._generations[chat_id] = gen
        while len(self._generations) > self._max_chats:
            self._generations.popitem(last=False)
        return gen

    def register(self, chat_id: str, payload: str, title: str) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(9)
        self._tokens[token] = ButtonRef(
            payload, title, chat_id, self.generation(chat_id), time.time()
        )
        while len(self._tokens) > self._max_tokens:
            self._tokens.popitem(last=False)
        return token

    def resolve(self, chat_id: str, data: Optional[str]) -> Optional[ButtonRef]:
        """The button behind callback data, or None when unknown, foreign or stale."""
        ref = self._tokens.get(data or "")
        if ref is None or ref.chat_id != chat_id:
            return None
        if ref.generation != self.generation(chat_id):
            return None
        return ref

    def inline_keyboard(
        self, chat_id: str, buttons: Sequence[Dict[str, Any]]
    ) -> Optional[InlineKeyboardMarkup]:
        made: List[InlineKeyboardButton] = []
        for button in buttons:
            title = str(button.get("title") or button.get("payload") or "").strip()[:64]
            if not title:
                continue
            url = button.get("url")
            if url:
                made.append(InlineKeyboardButton(title, url=str(url)))
                continue
            payload = str(button.get("payload") or title)
            made.append(
                InlineKeyboardButton(title, callback_data=self.register(chat_id, payload, title))
            )
        if not made:
            return None
        per_row = 2 if all(len(b.text) <= _SHORT_TITLE for b in made) else 1
        rows = [made[i : i + per_row] for i in range(0, len(made), per_row)]
        return InlineKeyboardMarkup(rows)


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label) for label in row] for row in MAIN_MENU_ROWS],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=MENU_PLACEHOLDER,
    )
