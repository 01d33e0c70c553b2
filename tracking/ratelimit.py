"""Pacing for outgoing messages: a token bucket plus a shared pause for RetryAfter."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Optional


class TokenBucket:
    def __init__(self, rate_per_sec: float, burst: Optional[float] = None) -> None:
        self.rate = rate_per_sec
        self.capacity = burst if burst is not None else max(1.0, rate_per_sec)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Stop sending for a while (Telegram's RetryAfter applies to the whole bot)."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self.paused_until:
                    await asyncio.sleep(self.paused_until - now)
                    continue
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


_RETRY_PATTERNS = (
    re.compile(r"retry[_ ]after\D{0,5}(\d+(?:\.\d+)?)", re.I),
    re.compile(r"retry in (\d+(?:\.\d+)?) seconds", re.I),
    # connectors.telegram_delivery gives up on long RetryAfter with "flood limit 150.0s".
    re.compile(r"flood limit (\d+(?:\.\d+)?)s", re.I),
)


def parse_retry_after(status: int, body: str, header: Optional[str]) -> Optional[float]:
    """Seconds to wait if the response says the channel is flood-limited, else None."""
    if header:
        try:
            return float(header)
        except ValueError:
            pass
    lowered = (body or "").lower()
    if status == 429 or "retry" in lowered or "flood" in lowered:
        for pat in _RETRY_PATTERNS:
            m = pat.search(body or "")
            if m:
                return float(m.group(1))
        if status == 429:
            return 1.0
    return None
