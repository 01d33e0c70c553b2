"""Builders of real Telegram Update JSON (as the Bot API sends it)."""

from __future__ import annotations

import itertools
import time
from typing import Any, Dict, Optional

_update_ids = itertools.count(900_000)
_message_ids = itertools.count(10)


def user(chat_id: int) -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Олена", "language_code": "uk"}


def private_chat(chat_id: int) -> Dict[str, Any]:
    return {"id": chat_id, "first_name": "Олена", "type": "private"}


def message(chat_id: int, **content: Any) -> Dict[str, Any]:
    msg = {
        "message_id": next(_message_ids),
        "from": user(chat_id),
        "chat": private_chat(chat_id),
        "date": int(time.time()),
    }
    msg.update(content)
    return msg


def update(**body: Any) -> Dict[str, Any]:
    return {"update_id": next(_update_ids), **body}


def text(chat_id: int, value: str) -> Dict[str, Any]:
    content: Dict[str, Any] = {"text": value}
    if value.startswith("/"):
        content["entities"] = [{"offset": 0, "length": len(value.split()[0]), "type": "bot_command"}]
    return update(message=message(chat_id, **content))


def callback(chat_id: int, bot_message: Dict[str, Any], data: str) -> Dict[str, Any]:
    """A button press on a message the bot sent (as returned by the fake sendMessage)."""
    return update(
        callback_query={
            "id": f"cq{next(_update_ids)}",
            "from": user(chat_id),
            "message": bot_message,
            "chat_instance": "-5123456789",
            "data": data,
        }
    )


def sticker(chat_id: int) -> Dict[str, Any]:
    return update(
        message=message(
            chat_id,
            sticker={
                "file_id": "CAACAgIAAxkBAAE",
                "file_unique_id": "AgADwQ",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        )
    )


def photo(chat_id: int, caption: Optional[str] = None) -> Dict[str, Any]:
    content: Dict[str, Any] = {
        "photo": [
            {"file_id": "AgACAgIAAxk1", "file_unique_id": "AQADx1", "width": 90, "height": 67, "file_size": 1234},
            {"file_id": "AgACAgIAAxk2", "file_unique_id": "AQADx2", "width": 800, "height": 600, "file_size": 45678},
        ]
    }
    if caption:
        content["caption"] = caption
    return update(message=message(chat_id, **content))


def voice(chat_id: int) -> Dict[str, Any]:
    return update(
        message=message(
            chat_id,
            voice={
                "file_id": "AwACAgIAAxk",
                "file_unique_id": "AgADvo",
                "duration": 3,
                "mime_type": "audio/ogg",
            },
        )
    )


def location(chat_id: int) -> Dict[str, Any]:
    return update(message=message(chat_id, location={"latitude": 50.4501, "longitude": 30.5234}))


def edited(chat_id: int, value: str) -> Dict[str, Any]:
    msg = message(chat_id, text=value)
    msg["edit_date"] = msg["date"] + 5
    return update(edited_message=msg)


def group_text(chat_id: int, user_id: int, value: str) -> Dict[str, Any]:
    msg = message(user_id, text=value)
    msg["chat"] = {"id": chat_id, "title": "Сусіди", "type": "supergroup"}
    if value.startswith("/"):
        msg["entities"] = [{"offset": 0, "length": len(value.split()[0]), "type": "bot_command"}]
    return update(message=msg)


def channel_post(chat_id: int, value: str) -> Dict[str, Any]:
    return update(
        channel_post={
            "message_id": next(_message_ids),
            "sender_chat": {"id": chat_id, "title": "Новини", "type": "channel"},
            "chat": {"id": chat_id, "title": "Новини", "type": "channel"},
            "date": int(time.time()),
            "text": value,
        }
    )


def my_chat_member_blocked(chat_id: int) -> Dict[str, Any]:
    now = int(time.time())
    bot = {"id": 777000111, "is_bot": True, "first_name": "Паспортний помічник"}
    return update(
        my_chat_member={
            "chat": private_chat(chat_id),
            "from": user(chat_id),
            "date": now,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
        }
    )
