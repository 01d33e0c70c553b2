"""Viber REST Bot API client on aiohttp, keyboards and signed button payloads.

Every call is `POST {base}/{method}` with the `X-Viber-Auth-Token` header; Viber answers HTTP 200
with `{"status": 0, ...}` on success and another status number on failure
(https://creators.viber.com/docs/bots-api/errors). A failed call raises: nothing is dropped silently.
The token never appears in a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://chatapi.viber.com/pa"
MAX_TEXT = 7000  # characters per text message
MAX_SENDER_NAME = 28
MAX_BUTTONS = 24
MAX_BUTTON_TEXT = 250
MAX_TRACKING_DATA = 4000
# Viber allows 100 bot messages per user per hour without a reply; its answer gives no wait time.
RATE_RETRY_SECONDS = 900
_SHORT_TITLE = 14  # titles up to this length are laid out two per row

STATUS_NAMES = {
    0: "ok",
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    7: "publicAccountBlocked",
    8: "publicAccountNotFound",
    9: "publicAccountSuspended",
    10: "webhookNotSet",
    11: "receiverNoSuitableDevice",
    12: "tooManyRequests",
    13: "apiVersionNotSupported",
    14: "incompatibleWithVersion",
}
RATE_LIMITED = 12
NOT_SUBSCRIBED = (5, 6)
CONFIGURATION_ERRORS = (1, 2, 7, 8, 9)


class ViberApiError(Exception):
    """Viber refused a call (status != 0) or could not be reached after retries."""

    def __init__(self, method: str, status: Optional[int], detail: str) -> None:
        self.method = method
        self.status = status
        name = STATUS_NAMES.get(status, "generalError") if status is not None else "unreachable"
        super().__init__(f"Viber {method}: status {status} {name}: {detail}")


class ViberRateLimited(ViberApiError):
    """Status 12: too many messages to this user without a reply. Worded for the notifier."""

    def __init__(self, method: str, detail: str) -> None:
        super().__init__(method, RATE_LIMITED, detail)
        self.args = (
            f"Viber rate limit (status 12 tooManyRequests) for this user: retry after {RATE_RETRY_SECONDS} seconds",
        )


class ViberNotSubscribed(ViberApiError):
    """Status 5/6: the user is not (or no longer) subscribed to the bot."""


def signature(token: str, body: bytes) -> str:
    """X-Viber-Content-Signature: hex HMAC-SHA256 of the raw body keyed by the token."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(token: str, body: bytes, given: Optional[str]) -> bool:
    expected = signature(token, body).encode()
    candidate = (given or "").strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, candidate)


class ViberApi:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_API_BASE_URL,
        timeout: float = 15.0,
        max_attempts: int = 4,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"X-Viber-Auth-Token": self._token},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, method: str, body: Dict[str, Any], retry: bool = True) -> Dict[str, Any]:
        """One API call; refused connections and HTTP 5xx/429 answers are retried with backoff."""
        url = f"{self.base_url}/{method}"
        attempts = self.max_attempts if retry else 1
        last = ""
        for attempt in range(1, attempts + 1):
            try:
                # UTF-8, not \u escapes: 7,000 Cyrillic characters must fit Viber's 30 KB per message.
                data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                async with self._client().post(
                    url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
                ) as resp:
                    raw = await resp.text()
                    if resp.status >= 500 or resp.status == 429:
                        last = f"HTTP {resp.status}"
                    elif resp.status != 200:
                        raise ViberApiError(method, None, f"HTTP {resp.status}")
                    else:
                        return self._check(method, raw)
            except asyncio.TimeoutError as exc:
                # The request went out and no answer came: Viber may have delivered it, so a resend could
                # duplicate it. Raised with the timeout as its cause, which the notifier channel reads as
                # "may have been delivered" (tracking/rasa_channel.is_ambiguous).
                raise ViberApiError(method, None, "no answer in time; it may have been delivered") from exc
            except aiohttp.ClientConnectorError as exc:  # never reached Viber: safe to try again
                last = type(exc).__name__
            except aiohttp.ClientError as exc:  # e.g. disconnected mid-request: may have arrived
                raise ViberApiError(method, None, type(exc).__name__) from exc
            if attempt < attempts:
                logger.warning("Viber %s failed (%s), attempt %d", method, last, attempt)
                await asyncio.sleep(min(2 ** (attempt - 1), 10))
        raise ViberApiError(method, None, f"no answer after {attempts} attempts ({last})")

    @staticmethod
    def _check(method: str, raw: str) -> Dict[str, Any]:
        try:
            data = json.loads(raw)
        except ValueError:
            raise ViberApiError(method, None, "answer is not JSON") from None
        if not isinstance(data, dict):
            raise ViberApiError(method, None, "answer is not an object")
        status = data.get("status")
        if status == 0:
            return data
        detail = str(data.get("status_message") or "")[:200]
        if status == RATE_LIMITED:
            raise ViberRateLimited(method, detail)
        if status in NOT_SUBSCRIBED:
            raise ViberNotSubscribed(method, status, detail)
        raise ViberApiError(method, status if isinstance(status, int) else None, detail)

    async def set_webhook(self, url: str, event_types: Sequence[str]) -> Dict[str, Any]:
        # send_name/send_photo off: the assistant needs no names or photos of its users.
        body = {"url": url, "event_types": list(event_types), "send_name": False, "send_photo": False}
        return await self.call("set_webhook", body, retry=False)

    async def send_message(self, body: Dict[str, Any]) -> Dict[str, Any]:
        return await self.call("send_message", body)


# ---- keyboards and signed payloads ----------------------------------------------------------


def keyboard(buttons: Sequence[Tuple[str, str]], url_buttons: Sequence[Tuple[str, str]] = ()) -> Dict[str, Any]:
    """A Viber keyboard: reply buttons (payload, title) send their payload as ActionBody.

    `Silent` keeps the raw payload (e.g. `/inform{"age":14}`) out of the conversation.
    """
    made: List[Dict[str, Any]] = []
    titles = [t for _, t in buttons] + [t for _, t in url_buttons]
    columns = 3 if titles and all(len(t) <= _SHORT_TITLE for t in titles) else 6
    for payload, title in buttons:
        made.append(
            {
                "Columns": columns,
                "Rows": 1,
                "ActionType": "reply",
                "ActionBody": payload,
                "Text": title[:MAX_BUTTON_TEXT],
                "Silent": True,
                "TextSize": "regular",
                "BgColor": "#E6ECF5",
            }
        )
    for url, title in url_buttons:
        made.append(
            {
                "Columns": columns,
                "Rows": 1,
                "ActionType": "open-url",
                "ActionBody": url,
                "Text": title[:MAX_BUTTON_TEXT],
                "TextSize": "regular",
                "BgColor": "#E6ECF5",
            }
        )
    return {"Type": "keyboard", "DefaultHeight": False, "InputFieldState": "regular", "Buttons": made[:MAX_BUTTONS]}


def _buttons_mac(token: str, receiver: str, buttons: Sequence[Tuple[str, str]]) -> str:
    msg = "\n".join([receiver, *(f"{p}\x1f{t}" for p, t in buttons)]).encode()
    return hmac.new(f"dmsbot-viber-buttons:{token}".encode(), msg, hashlib.sha256).hexdigest()[:24]


def sign_buttons(token: str, receiver: str, buttons: Sequence[Tuple[str, str]]) -> Optional[str]:
    """tracking_data naming the (payload, title) pairs of the keyboard just sent, signed.

    Viber returns the last message's tracking_data with the user's reply, so a pressed button (and
    its title, echoed in the answer) is recognised without keeping state (restarts and replicas
    agree), and a typed `/payload` that no keyboard offered is refused.
    """
    data = json.dumps(
        {"b": [[p, t] for p, t in buttons], "s": _buttons_mac(token, receiver, buttons)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return data if len(data) <= MAX_TRACKING_DATA else None


def offered_buttons(token: str, receiver: str, tracking_data: Any) -> Dict[str, str]:
    """payload -> title of a signed tracking_data, or {} when absent, foreign or forged."""
    if not isinstance(tracking_data, str) or not tracking_data.startswith("{"):
        return {}
    try:
        data = json.loads(tracking_data)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    pairs, mac = data.get("b"), data.get("s")
    if not isinstance(pairs, list) or not all(
        isinstance(x, list) and len(x) == 2 and all(isinstance(v, str) for v in x) for x in pairs
    ):
        return {}
    buttons = [(p, t) for p, t in pairs]
    if not isinstance(mac, str) or not hmac.compare_digest(
        mac.encode("utf-8", "replace"), _buttons_mac(token, receiver, buttons).encode()
    ):
        return {}
    return dict(buttons)
