"""Inline keyboards: short callback tokens for long payloads, and stale-keyboard detection.

Telegram limits callback_data to 64 bytes, while Rasa payloads such as
`/inform{"residence_ground":"family_reunification"}` or Cyrillic values are longer. Every
button therefore carries a random token; the full payload stays in the channel state
(connectors/channel_state.py): process memory by default, Redis when REDIS_URL is set, so a
keyboard sent by one Rasa replica works when the press reaches another.

Each chat has a generation counter, bumped by every user message and accepted button press.
A keyboard is valid only in the generation it was sent in, so an old keyboard cannot push a
later step of a form into a wrong state. In memory, a restart makes old keyboards stale (the
user gets a polite answer); in Redis they live until the chat moves on or TOKEN_TTL passes.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from connectors.channel_state import ChannelState, MemoryChannelState
from connectors.telegram_texts import MAIN_MENU_ROWS, MENU_PLACEHOLDER

TOKEN_PREFIX = "b:"
_SHORT_TITLE = 14  # titles up to this length are laid out two per row
TOKEN_TTL = 30 * 86400  # a keyboard older than a month is stale whatever the chat did
GENERATION_TTL = 90 * 86400


@dataclass(frozen=True)
class ButtonRef:
    payload: str
    title: str
    chat_id: str
    generation: int
    created: float


class ButtonRegistry:
    def __init__(self, state: Optional[ChannelState] = None) -> None:
        self.state = state if state is not None else MemoryChannelState("tg")

    async def generation(self, chat_id: str) -> int:
        return await self.state.get_int(f"gen:{chat_id}")

    async def advance(self, chat_id: str) -> int:
        """A new user turn in this chat: every keyboard sent before it becomes stale."""
        return await self.state.incr(f"gen:{chat_id}", GENERATION_TTL)

    async def register(self, chat_id: str, payload: str, title: str) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(9)
        ref = ButtonRef(payload, title, chat_id, await self.generation(chat_id), time.time())
        await self.state.put(f"btn:{token}", json.dumps(asdict(ref)), TOKEN_TTL)
        return token

    async def resolve(self, chat_id: str, data: Optional[str]) -> Optional[ButtonRef]:
        """The button behind callback data, or None when unknown, foreign or stale."""
        if not data or not data.startswith(TOKEN_PREFIX) or len(data) > 64:
            return None
        raw = await self.state.get(f"btn:{data}")
        if raw is None:
            return None
        ref = ButtonRef(**json.loads(raw))
        if ref.chat_id != chat_id:
            return None
        if ref.generation != await self.generation(chat_id):
            return None
        return ref

    async def inline_keyboard(self, chat_id: str, buttons: Sequence[Dict[str, Any]]) -> Optional[InlineKeyboardMarkup]:
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
            token = await self.register(chat_id, payload, title)
            made.append(InlineKeyboardButton(title, callback_data=token))
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
