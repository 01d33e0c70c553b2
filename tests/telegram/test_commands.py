"""Chat commands typed in any channel (connectors/input_limits.py), and Telegram's «/status@Bot N» path."""

from __future__ import annotations

import datetime as dt
from typing import Any, List

import pytest
from telegram import Chat, Message, User

from connectors.input_limits import command_payload, known_payload
from connectors.telegram_inbound import TelegramInbound

INTENTS = ["track_document", "greet", "help"]


@pytest.mark.parametrize(
    "typed,payload",
    [
        ("/status", "/track_document"),
        ("/status N4567891", '/track_document{"document_number":"N4567891"}'),
        ("/status 012345678", '/track_document{"document_number":"012345678"}'),
        ("/Status@DmsHelperBot  КВ 123456 ", '/track_document{"document_number":"КВ 123456"}'),
        ('/status "}x', '/track_document{"document_number":"\\"}x"}'),  # stays one JSON string
        ("/status " + "1 " * 30, "/track_document"),  # too long for any number: plain tracking
        ("/start deeplink", "/greet"),  # other commands take no argument
        ("/menu@DmsHelperBot", "/help"),
        ("/start_consultation", None),
        ("/statusx 1", None),
        ("status 1", None),
    ],
)
def test_a_typed_command_maps_to_its_payload(typed, payload):
    assert command_payload(typed) == payload


def test_rest_reads_a_status_command_with_its_number():
    assert known_payload("/status N4567891", INTENTS) == '/track_document{"document_number":"N4567891"}'
    assert known_payload("/status", INTENTS) == "/track_document"


class _Recorder:
    def __init__(self) -> None:
        self.replies: List[str] = []

    async def reply(self, chat_id: str, text: str) -> None:
        self.replies.append(text)

    async def advance(self, chat_id: str) -> None:
        return None


def _message(text: str) -> Message:
    user = User(id=7, first_name="A", is_bot=False)
    return Message(1, dt.datetime(2026, 12, 7), Chat(7, Chat.PRIVATE), from_user=user, text=text)


@pytest.mark.parametrize(
    "typed,payload",
    [
        ("/status@DmsHelperBot КВ123456", '/track_document{"document_number":"КВ123456"}'),
        ("/status", "/track_document"),
    ],
)
async def test_telegram_status_command_starts_tracking_with_the_number(typed, payload):
    recorder = _Recorder()
    inbound = TelegramInbound(None, None, recorder, recorder, lambda: None)  # type: ignore[arg-type]
    seen: List[Any] = []

    async def on_new_message(message: Any) -> None:
        seen.append(message)

    assert await inbound._on_message(_message(typed), on_new_message) == "rasa"
    assert [m.text for m in seen] == [payload]
    assert recorder.replies == []


async def test_telegram_unknown_command_gets_the_command_list():
    recorder = _Recorder()
    inbound = TelegramInbound(None, None, recorder, recorder, lambda: None)  # type: ignore[arg-type]
    assert await inbound._on_message(_message("/restart now"), lambda m: None) == "unknown_command"
    assert len(recorder.replies) == 1 and "/status" in recorder.replies[0]
