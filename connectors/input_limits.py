"""Limits and checks every input channel applies to what a user sends, and the polite replies they give.

One place for: the longest text passed to the NLU (`MAX_TEXT_CHARS`, env `MAX_USER_TEXT_CHARS`), invalid
Unicode (lone surrogates, NUL), parsing a JSON body that may be deep, huge or not an object, and the
replies «too long» / «technical problem» in the user's language.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from dmsbot.settings import settings

MAX_TEXT_CHARS = settings().max_user_text_chars
# A chat message body never needs more; bigger bodies are refused before parsing.
MAX_BODY_BYTES = settings().max_request_body_bytes

_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")

TOO_LONG_UK = (
    "Вибачте, повідомлення задовге — я читаю до {n} символів. Напишіть, будь ласка, коротше, "
    "кількома реченнями, і я відповім."
)
TOO_LONG_EN = (
    "Sorry, your message is too long — I read up to {n} characters. Please write it more briefly, "
    "in a few sentences, and I will answer."
)
EMPTY_UK = "Я отримав порожнє повідомлення. Напишіть, будь ласка, ваше питання текстом або натисніть кнопку."
EMPTY_EN = "I received an empty message. Please type your question or press a button."
UNAVAILABLE_UK = (
    "Вибачте, зараз у мене технічні негаразди і я не можу відповісти. Спробуйте, будь ласка, "
    "за кілька хвилин — ваше повідомлення не загубиться, якщо надішлете його ще раз."
)
UNAVAILABLE_EN = (
    "Sorry, I am having technical trouble and cannot answer right now. Please try again in a few "
    "minutes by sending your message once more."
)


# A button's payload: «/intent» or «/intent{"entity": "value"}» (Rasa's own format).
_PAYLOAD_INTENT = re.compile(r"^/([A-Za-z_][\w-]*)")
# Rasa's fallback intent: its reply is «did not understand» with the likeliest topics as buttons.
UNKNOWN_PAYLOAD = "/nlu_fallback"


# Chat commands people type from habit (Telegram's /start first of all) -> Rasa payloads; every channel shares them.
COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "menu": "/help",
    "status": "/track_document",
}


# «/status N4567891», «/status@DmsBot КВ 123456»: the command, an optional «@bot» and what follows it.
_COMMAND = re.compile(r"^/([A-Za-z]+)(?:@\w+)?(?:\s+(.*))?$", re.S)
# Commands whose argument is a document number, passed on as the tracking form's entity.
NUMBER_COMMANDS = {"status": "document_number"}
# A base document's number is at most 40 characters as typed (textnorm/docnumbers.py MAX_RAW_LENGTH).
MAX_COMMAND_ARGUMENT = 40


def command_payload(text: str) -> Optional[str]:
    """The Rasa payload of a typed chat command («/start» → «/greet»), or None when the text is not one. «/status
    N4567891» carries its number as an entity, so tracking starts with it as if typed at the number question;
    other commands ignore what follows them (Telegram's deep-link «/start abc»)."""
    match = _COMMAND.match((text or "").strip())
    if not match or match.group(1).lower() not in COMMAND_PAYLOADS:
        return None
    command = match.group(1).lower()
    payload = COMMAND_PAYLOADS[command]
    argument = " ".join((match.group(2) or "").split())
    if command in NUMBER_COMMANDS and argument and len(argument) <= MAX_COMMAND_ARGUMENT:
        payload += json.dumps({NUMBER_COMMANDS[command]: argument}, ensure_ascii=False, separators=(",", ":"))
    return payload


def known_payload(text: str, intents: Any) -> str:
    """The text, a chat command's payload («/start» → «/greet»), or «/nlu_fallback» for a payload naming no intent of
    the domain («/old_button{"x": 1}»): Rasa would hand it to DIET, which read its JSON as an age and started a
    consultation. `intents` empty: nothing to check."""
    command = command_payload(text)
    if command is not None:
        return command
    match = _PAYLOAD_INTENT.match(text)
    if not match or not intents or match.group(1) in intents:
        return text
    return UNKNOWN_PAYLOAD


class BadInput(ValueError):
    """Input that gets a 4xx answer; the message is safe to show to the caller."""


def is_english(text: str) -> bool:
    """Whether a reply should be in English: more Latin than Cyrillic letters in the text."""
    sample = (text or "")[:500]
    return len(_LATIN.findall(sample)) > len(_CYRILLIC.findall(sample))


def too_long_reply(text: str) -> str:
    n = f"{MAX_TEXT_CHARS:,}"
    return TOO_LONG_EN.format(n=n) if is_english(text) else TOO_LONG_UK.format(n=n.replace(",", " "))


def empty_reply(text: str) -> str:
    return EMPTY_EN if is_english(text) else EMPTY_UK


def unavailable_reply(text: str) -> str:
    return UNAVAILABLE_EN if is_english(text) else UNAVAILABLE_UK


def is_valid_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return "\x00" not in value


def clean_text(value: Any, field: str = "message") -> str:
    """The user's text (NUL characters dropped), or BadInput when it is not a string of valid Unicode."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{field} must be a string")
    value = value.replace("\x00", "")
    if not is_valid_unicode(value):
        raise BadInput(f"{field} is not valid Unicode text")
    return value


def has_invalid_text(data: Any, depth: int = 0) -> bool:
    """Whether any string (key or value) in parsed JSON holds lone surrogates or NUL; deep nesting counts."""
    if depth > 50:
        return True
    if isinstance(data, str):
        return not is_valid_unicode(data)
    if isinstance(data, dict):
        return any(has_invalid_text(k, depth + 1) or has_invalid_text(v, depth + 1) for k, v in data.items())
    if isinstance(data, list):
        return any(has_invalid_text(v, depth + 1) for v in data)
    return False


def parse_json_object(body: bytes, max_bytes: int = MAX_BODY_BYTES) -> dict:
    """A JSON object from a request body, or BadInput (too big, not UTF-8, not JSON, too deep, not an object)."""
    if len(body) > max_bytes:
        raise BadInput(f"body is larger than {max_bytes} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput("body is not UTF-8") from None
    except RecursionError:
        raise BadInput("JSON is nested too deeply") from None
    except ValueError:
        raise BadInput("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadInput("body must be a JSON object")
    return data


def header_value(headers: Any, name: str) -> Optional[str]:
    """A header as text; None when absent or not ASCII (such a header can never match a token)."""
    try:
        value = headers.get(name)
    except Exception:  # noqa: BLE001 - a broken header is an absent header
        return None
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        return None
    return value
