"""Claims on notification keys, shared by the Rasa replicas, so that a stage is never sent twice.

The conversation lock serialises deliveries of one chat, but a replica killed mid-turn leaves its lock
until Rasa's ticket expires (60 s) and never saves the conversation: the tracker then has no trace of a
message it may already have sent. So the notifier channel (tracking/rasa_channel.py) also records, per
notification key, how far a delivery got:

    claimed  (before the action runs)  -> sending (just before the channel sends) -> done (after the save)

and a delivery that finds the key without it in the conversation answers from that record:
- `sending` or `done`: the message may have gone out / did go out → `uncertain` / `duplicate`, not sent;
- `claimed` younger than the lease: another replica is working on it → refused, the notifier retries;
- `claimed` older than the lease: its holder died before sending → taken over, sent.
Every path on which nothing was sent releases the claim. Claims expire after `NOTIFIER_CLAIM_TTL_DAYS`.

Where: Redis when REDIS_URL is set (the Redis of connectors/channel_state.py; replicas need Redis for
Rasa's lock store anyway, so the claims add no new dependency and fail together with the lock), else a
bounded in-memory map, which is right for the single Rasa process of the embedded default (its lock
store is in memory too). Claim keys are hashes: the notification key holds a chat id.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from connectors.channel_state import redis_url

log = logging.getLogger(__name__)

CLAIMED, SENDING, DONE, BUSY = "claimed", "sending", "done", "busy"
# Defaults (dmsbot/settings.py): the lease is Rasa's TICKET_LOCK_LIFETIME, 60 s, as a holder that is gone has
# lost its conversation lock by then; the TTL, 7 days, is far longer than a row's retries.
PREFIX = "notify-claim:"

# KEYS[1] claim key; ARGV owner, lease ms, ttl ms. Value "state|owner|since_ms" (Redis server time, so the
# replicas' clocks do not matter). Returns the state the caller must act on: claimed (it is ours now),
# busy, sending, done.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('GET', KEYS[1])
if v then
  local state, owner, since = string.match(v, '^(%a+)|([^|]*)|(%d+)$')
  if state ~= 'claimed' then return state end
  if owner ~= ARGV[1] and tonumber(since) + tonumber(ARGV[2]) > now then return 'busy' end
end
redis.call('SET', KEYS[1], 'claimed|' .. ARGV[1] .. '|' .. now, 'PX', ARGV[3])
return 'claimed'
"""

# Move claimed -> sending, only while the claim is still ours (a holder whose claim was taken over
# must not send).
_MARK_SENDING = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('GET', KEYS[1])
if v and string.match(v, '^claimed|([^|]*)|') == ARGV[1] then
  redis.call('SET', KEYS[1], 'sending|' .. ARGV[1] .. '|' .. now, 'PX', ARGV[2])
  return 1
end
return 0
"""

# Nothing was sent: drop our claim (claimed or sending), never another holder's or a done one.
_RELEASE = """
local v = redis.call('GET', KEYS[1])
if v then
  local state, owner = string.match(v, '^(%a+)|([^|]*)|')
  if owner == ARGV[1] and (state == 'claimed' or state == 'sending') then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
"""


def claim_key(sender: str, notification_key: str) -> str:
    digest = hashlib.sha256(f"{sender}\0{notification_key}".encode("utf-8", "surrogatepass")).hexdigest()
    return PREFIX + digest[:40]


@dataclass
class Claim:
    """One delivery's hold on a notification key (owner is unique per attempt)."""

    key: str
    owner: str
    state: str  # what claim() found: claimed (ours), busy, sending, done


class MemoryClaims:
    """One process: a bounded map, expiry checked on read. Atomic because nothing awaits in between."""

    shared = False

    def __init__(self, lease: float, ttl: float, max_entries: int = 300_000) -> None:
        self.lease, self.ttl, self._max = lease, ttl, max_entries
        self._items: "OrderedDict[str, Tuple[str, str, float, float]]" = OrderedDict()  # state, owner, since, expiry

    def _get(self, key: str) -> Optional[Tuple[str, str, float, float]]:
        item = self._items.get(key)
        if item is not None and item[3] < time.time():
            del self._items[key]
            return None
        return item

    def _set(self, key: str, state: str, owner: str) -> None:
        now = time.time()
        self._items.pop(key, None)
        self._items[key] = (state, owner, now, now + self.ttl)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def claim(self, key: str, owner: str) -> str:
        item = self._get(key)
        if item is not None:
            state, holder, since, _ = item
            if state != CLAIMED:
                return state
            if holder != owner and since + self.lease > time.time():
                return BUSY
        self._set(key, CLAIMED, owner)
        return CLAIMED

    async def mark_sending(self, key: str, owner: str) -> bool:
        item = self._get(key)
        if item is None or item[0] != CLAIMED or item[1] != owner:
            return False
        self._set(key, SENDING, owner)
        return True

    async def mark_done(self, key: str, owner: str) -> None:
        self._set(key, DONE, owner)

    async def release(self, key: str, owner: str) -> None:
        item = self._get(key)
        if item is not None and item[1] == owner and item[0] in (CLAIMED, SENDING):
            del self._items[key]

    async def state(self, key: str) -> Optional[str]:
        item = self._get(key)
        return item[0] if item else None

    async def close(self) -> None:
        return None


class RedisClaims:
    """Several Rasa replicas: the same operations as Lua scripts on Redis (one round trip, atomic)."""

    shared = True

    def __init__(self, url: str, lease: float, ttl: float, client: Any = None) -> None:
        import redis.asyncio as aioredis

        self.lease, self.ttl = lease, ttl
        self.redis = client or aioredis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
        self._claim = self.redis.register_script(_CLAIM)
        self._mark_sending = self.redis.register_script(_MARK_SENDING)
        self._release = self.redis.register_script(_RELEASE)

    @staticmethod
    def _text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    async def claim(self, key: str, owner: str) -> str:
        return self._text(await self._claim(keys=[key], args=[owner, int(self.lease * 1000), int(self.ttl * 1000)]))

    async def mark_sending(self, key: str, owner: str) -> bool:
        return bool(await self._mark_sending(keys=[key], args=[owner, int(self.ttl * 1000)]))

    async def mark_done(self, key: str, owner: str) -> None:
        await self.redis.set(key, f"{DONE}|{owner}|{int(time.time() * 1000)}", px=int(self.ttl * 1000))

    async def release(self, key: str, owner: str) -> None:
        await self._release(keys=[key], args=[owner])

    async def state(self, key: str) -> Optional[str]:
        value = await self.redis.get(key)
        return self._text(value).split("|", 1)[0] if value is not None else None

    async def close(self) -> None:
        try:
            await self.redis.close()
            await self.redis.connection_pool.disconnect()
        except Exception:  # noqa: BLE001 - closing on shutdown: nothing left to protect
            log.debug("Redis close failed", exc_info=True)


Claims = Any  # MemoryClaims | RedisClaims (same async methods)


def claims_from_env(environ: Optional[Mapping[str, str]] = None) -> Claims:
    """NOTIFIER_CLAIM_LEASE_SECONDS, NOTIFIER_CLAIM_TTL_DAYS (dmsbot/settings.py); Redis when REDIS_URL is set."""
    from dmsbot.settings import SettingsError, settings

    env = dict(os.environ if environ is None else environ)
    current = settings(env)
    lease, ttl = current.notifier_claim_lease_seconds, current.notifier_claim_ttl_days * 86400
    if lease <= 0 or ttl <= 0:
        raise SettingsError("NOTIFIER_CLAIM_LEASE_SECONDS and NOTIFIER_CLAIM_TTL_DAYS must be positive")
    url = redis_url(env)
    if url:
        log.info("notification claims in Redis (%s)", url.split("@")[-1])
        return RedisClaims(url, lease, ttl)
    return MemoryClaims(lease, ttl)


def new_owner() -> str:
    return uuid.uuid4().hex
