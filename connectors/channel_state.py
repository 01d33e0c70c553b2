"""State a messenger channel shares between Rasa replicas: Redis when REDIS_URL is set, else memory.

Button tokens, update de-duplication, pacing windows and the long-polling lease must be seen by
every replica that can receive a user's next update; in one process (the embedded default) a
bounded in-memory map does the same job. Any channel (Telegram, Viber, web) can use it:

    state = channel_state_from_env("tg")
    if await state.first_time(f"update:{update_id}", ttl=86400): ...

Keys are namespaced by the prefix, so channels never collide in one Redis database.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple

from dmsbot.settings import settings

logger = logging.getLogger(__name__)

# One Redis round trip for a sliding-window slot: drop old entries, take a slot if one is free,
# otherwise say how long until the oldest entry leaves the window.
_SLOT_SCRIPT = """
local key, now, period, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(period * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + period - now)
"""

# Renew a lease only if this owner still holds it.
_RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class MemoryChannelState:
    """One process: bounded maps (oldest entries dropped first), expiry checked on read."""

    shared = False

    def __init__(self, prefix: str, max_entries: int = 300_000) -> None:
        self.prefix = prefix
        self._values: "OrderedDict[str, Tuple[str, float]]" = OrderedDict()
        self._max = max_entries

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _live(self, key: str) -> Optional[str]:
        item = self._values.get(key)
        if item is None:
            return None
        if item[1] and item[1] < time.monotonic():
            del self._values[key]
            return None
        return item[0]

    def _store(self, key: str, value: str, ttl: float) -> None:
        self._values.pop(key, None)
        self._values[key] = (value, time.monotonic() + ttl if ttl else 0.0)
        while len(self._values) > self._max:
            self._values.popitem(last=False)

    async def first_time(self, key: str, ttl: float) -> bool:
        key = self._key(key)
        if self._live(key) is not None:
            return False
        self._store(key, "1", ttl)
        return True

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._store(self._key(key), value, ttl)

    async def get(self, key: str) -> Optional[str]:
        return self._live(self._key(key))

    async def incr(self, key: str, ttl: float) -> int:
        key = self._key(key)
        value = int(self._live(key) or 0) + 1
        self._store(key, str(value), ttl)
        return value

    async def get_int(self, key: str) -> int:
        return int(self._live(self._key(key)) or 0)

    async def try_lease(self, key: str, owner: str, ttl: float) -> bool:
        key = self._key(key)
        holder = self._live(key)
        if holder not in (None, owner):
            return False
        self._store(key, owner, ttl)
        return True

    async def release_lease(self, key: str, owner: str) -> None:
        if self._live(self._key(key)) == owner:
            del self._values[self._key(key)]

    async def close(self) -> None:
        return None


class RedisChannelState:
    """Several processes: the same operations on Redis (redis-py's asyncio client)."""

    shared = True

    def __init__(self, prefix: str, url: str, client: Any = None) -> None:
        import redis.asyncio as aioredis

        self.prefix = prefix
        self.url = url
        self.redis = client or aioredis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
        self._slot = self.redis.register_script(_SLOT_SCRIPT)
        self._renew = self.redis.register_script(_RENEW_SCRIPT)
        self._release = self.redis.register_script(_RELEASE_SCRIPT)

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    async def first_time(self, key: str, ttl: float) -> bool:
        return bool(await self.redis.set(self._key(key), 1, nx=True, px=int(ttl * 1000)))

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self.redis.set(self._key(key), value, px=int(ttl * 1000))

    async def get(self, key: str) -> Optional[str]:
        value = await self.redis.get(self._key(key))
        return value.decode() if isinstance(value, bytes) else value

    async def incr(self, key: str, ttl: float) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._key(key))
            pipe.pexpire(self._key(key), int(ttl * 1000))
            value, _ = await pipe.execute()
        return int(value)

    async def get_int(self, key: str) -> int:
        return int(await self.redis.get(self._key(key)) or 0)

    async def take_slot(self, key: str, limit: int, period: float, member: str) -> float:
        """0 when a slot in the window was taken, else the seconds to wait before asking again."""
        now = time.time()
        wait = await self._slot(keys=[self._key(key)], args=[now, period, limit, member])
        return max(0.0, float(wait.decode() if isinstance(wait, bytes) else wait))

    async def try_lease(self, key: str, owner: str, ttl: float) -> bool:
        ms = int(ttl * 1000)
        if await self.redis.set(self._key(key), owner, nx=True, px=ms):
            return True
        return bool(await self._renew(keys=[self._key(key)], args=[owner, ms]))

    async def release_lease(self, key: str, owner: str) -> None:
        await self._release(keys=[self._key(key)], args=[owner])

    async def close(self) -> None:
        try:
            await self.redis.close()
            await self.redis.connection_pool.disconnect()
        except Exception:  # closing on shutdown: nothing left to protect
            logger.debug("Redis close failed", exc_info=True)


ChannelState = Any  # MemoryChannelState | RedisChannelState (same async methods)


def redis_url(environ: Optional[Dict[str, str]] = None) -> Optional[str]:
    return (settings(environ).redis_url or "").strip() or None


def channel_state_from_env(prefix: str, environ: Optional[Dict[str, str]] = None) -> ChannelState:
    """Redis when REDIS_URL is set (replicas), else memory (one process)."""
    url = redis_url(environ)
    if url:
        logger.info("%s channel state in Redis (%s)", prefix, url.split("@")[-1])
        return RedisChannelState(prefix, url)
    return MemoryChannelState(prefix)
