"""Rasa's Redis lock store with atomic ticket updates, for several Rasa replicas.

Rasa 3.6's RedisLockStore reads a conversation's lock, changes it and writes it back in separate
Redis calls. Two replicas receiving messages of one user at the same moment can both read the same
lock, both take the same ticket and both process at once; the later tracker write then loses the
other's events (tests/replicas lost one of 8 simultaneous messages). Here every read-change-write
runs as an optimistic Redis transaction (WATCH/MULTI), retried when another replica got in between.

    lock_store:
      type: connectors.redis_lock_store.AtomicRedisLockStore
      url: ...   # as for type: redis
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # created from endpoints.yml by its module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)

    def _atomic(self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Any]) -> Any:
        """Run change(lock) and save (or delete, when it returns the lock as None) in one transaction."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, lock = change(lock)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Any:
            lock = lock or TicketLock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._atomic(conversation_id, change)
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Any:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._atomic(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish serving the ticket and delete the lock if nobody waits, in one transaction."""

        def change(lock: Optional[TicketLock]) -> Any:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, (lock if lock.is_someone_waiting() else None)

        self._atomic(conversation_id, change)
