"""Answer a resent callback once: "have we seen this key?" across retries (and replicas with Redis).

Messengers resend a callback they think failed (Viber for up to an hour, Telegram a webhook update).
`SeenKeys.first_time(key)` is True exactly once per key within `ttl` seconds. With REDIS_URL set the
keys live in Redis (`SET NX EX`), so several replicas agree; otherwise in this process's memory.
When Redis is unreachable the memory set is used meanwhile: a duplicate is better than a lost message.
"""
from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from typing import Any, Optional

logger = logging.getLogger(__name__)


class SeenKeys:
    def __init__(
        self,
        namespace: str,
        ttl: float = 3 * 3600,
        max_memory: int = 100_000,
        redis_url: Optional[str] = None,
    ) -> None:
        self.namespace = namespace
        self.ttl = ttl
        self.max_memory = max_memory
        self._memory: "OrderedDict[str, float]" = OrderedDict()
        url = os.environ.get("REDIS_URL") if redis_url is None else redis_url
        self._redis: Any = None
        if url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    @property
    def backend(self) -> str:
        return "redis" if self._redis is not None else "memory"

    async def first_time(self, key: str) -> bool:
        if self._redis is not None:
            try:
                added = await self._redis.set(
                    f"dmsbot:seen:{self.namespace}:{key}", b"1", nx=True, ex=int(self.ttl)
                )
                return bool(added)
            except Exception as exc:  # noqa: BLE001 - any Redis trouble: fall back, keep serving
                logger.warning("Redis dedupe unavailable (%s); using memory", type(exc).__name__)
        return self._first_time_in_memory(key)

    def _first_time_in_memory(self, key: str) -> bool:
        now = time.monotonic()
        while self._memory:
            oldest_key, at = next(iter(self._memory.items()))
            if now - at < self.ttl and len(self._memory) <= self.max_memory:
                break
            self._memory.popitem(last=False)
        if key in self._memory:
            return False
        self._memory[key] = now
        return True

    async def close(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.close()
            except Exception:  # noqa: BLE001
                pass
