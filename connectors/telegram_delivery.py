"""Bot API calls within Telegram's limits: pacing, RetryAfter handling, bounded retries.

A message is either delivered or an exception reaches the caller (Rasa then answers
trigger_intent with an error, so the notifier retries): never dropped silently.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
import warnings
from collections import OrderedDict, deque
from typing import Any, Awaitable, Callable, Deque, Optional, TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from connectors.channel_state import ChannelState

logger = logging.getLogger(__name__)
T = TypeVar("T")


class SlidingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: Deque[float] = deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.events and now - self.events[0] >= self.period:
                    self.events.popleft()
                if len(self.events) < self.limit:
                    self.events.append(now)
                    return
                await asyncio.sleep(self.period - (now - self.events[0]) + 0.001)


class SharedWindow:
    """The same limit counted across replicas (a Redis sorted set per window)."""

    def __init__(self, state: ChannelState, key: str, limit: int, period: float) -> None:
        self.state = state
        self.key = key
        self.limit = limit
        self.period = period
        self._fallback = SlidingWindow(limit, period)

    async def acquire(self) -> None:
        member = secrets.token_hex(8)
        while True:
            try:
                wait = await self.state.take_slot(self.key, self.limit, self.period, member)
            except Exception as exc:  # Redis away: pace this process alone rather than stop
                logger.warning("Shared pacing unavailable (%s); pacing locally", exc)
                await self._fallback.acquire()
                return
            if wait <= 0:
                return
            await asyncio.sleep(wait + 0.001)


class RateLimiter:
    """About 30 messages/s per bot; per chat a burst of 3, then 1/s (20/min in groups).

    With a shared channel state (REDIS_URL) the windows are counted across all replicas.
    """

    def __init__(
        self,
        per_bot: int = 30,
        per_chat_burst: int = 3,
        per_group_minute: int = 20,
        max_chats: int = 10_000,
        state: Optional[ChannelState] = None,
    ) -> None:
        self._state = state if state is not None and getattr(state, "shared", False) else None
        self._global: Any = (
            SharedWindow(self._state, "pace:bot", per_bot, 1.0) if self._state else SlidingWindow(per_bot, 1.0)
        )
        self._per_chat_burst = per_chat_burst
        self._per_group_minute = per_group_minute
        self._chats: "OrderedDict[str, SlidingWindow]" = OrderedDict()
        self._max_chats = max_chats

    def _chat_window(self, chat_id: str) -> Any:
        window = self._chats.pop(chat_id, None)
        if window is None:
            if chat_id.startswith("-"):
                limit, period = self._per_group_minute, 60.0
            else:
                limit, period = self._per_chat_burst, float(self._per_chat_burst)
            if self._state:
                window = SharedWindow(self._state, f"pace:{chat_id}", limit, period)
            else:
                window = SlidingWindow(limit, period)
        self._chats[chat_id] = window
        while len(self._chats) > self._max_chats:
            self._chats.popitem(last=False)
        return window

    async def acquire(self, chat_id: Optional[str]) -> None:
        if chat_id is not None:
            await self._chat_window(str(chat_id)).acquire()
        await self._global.acquire()


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int/timedelta transition
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class DeliveryError(Exception):
    """A Bot API call failed for good after the allowed retries."""


class Sender:
    def __init__(
        self,
        limiter: Optional[RateLimiter] = None,
        max_attempts: int = 5,
        max_retry_after: float = 120.0,
    ) -> None:
        self.limiter = limiter or RateLimiter()
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after

    async def call(
        self,
        chat_id: Optional[str],
        action: Callable[[], Awaitable[T]],
        what: str,
        paced: bool = True,
    ) -> T:
        """Run one Bot API call; `paced` is False for calls that are not new messages."""
        for attempt in range(1, self.max_attempts + 1):
            if paced:
                await self.limiter.acquire(chat_id)
            try:
                return await action()
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if wait > self.max_retry_after or attempt == self.max_attempts:
                    raise DeliveryError(f"{what} to {chat_id}: flood limit {wait}s") from exc
                logger.warning("%s to %s: RetryAfter %.1fs (attempt %d)", what, chat_id, wait, attempt)
                await asyncio.sleep(wait)
            except (BadRequest, TimedOut):
                # A bad request will not improve; a read timeout may already have delivered.
                raise
            except NetworkError as exc:
                if attempt == self.max_attempts:
                    raise DeliveryError(f"{what} to {chat_id}: {exc}") from exc
                logger.warning("%s to %s: network error %s (attempt %d)", what, chat_id, exc, attempt)
                await asyncio.sleep(min(2 ** (attempt - 1), 10))
        raise DeliveryError(f"{what} to {chat_id}: no attempts left")  # pragma: no cover
