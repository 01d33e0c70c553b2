"""The outbox: claiming, marking sent or failed, postponing, dead letters.

A part of TrackingStore (tracking/store.py); `self` has `Session`, `is_pg` and `limits`."""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from typing import Dict, List, Optional, Sequence

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from tracking.models import OutboxMessage
from tracking.store_common import Claimed, utcnow

log = logging.getLogger(__name__)


class OutboxStore:
    def claim(self, limit: int, lease_seconds: float) -> List[Claimed]:
        """Claim due rows, at most one per chat and only a chat's oldest open row (keeps order)."""
        now = utcnow()
        stale = now - dt.timedelta(seconds=lease_seconds)
        o2 = aliased(OutboxMessage)
        earlier_open = exists().where(
            o2.chat_id == OutboxMessage.chat_id, o2.id < OutboxMessage.id, o2.status.in_(("pending", "sending"))
        )
        q = (
            select(OutboxMessage)
            .where(
                or_(
                    and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                    and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale),
                ),
                ~earlier_open,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if self.is_pg:
            q = q.with_for_update(skip_locked=True, of=OutboxMessage)
        out: List[Claimed] = []
        with self.Session.begin() as s:
            for row in s.execute(q).scalars().all():
                token = uuid.uuid4().hex
                # Compare-and-set: only one worker wins a row even without row locks.
                res = s.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.status == row.status,
                        OutboxMessage.attempts == row.attempts,
                    )
                    .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    continue
                out.append(
                    Claimed(
                        row.id,
                        token,
                        row.chat_id,
                        row.channel,
                        row.intent,
                        dict(row.entities),
                        row.idempotency_key,
                        row.attempts + 1,
                        row.attempts > 0,
                        row.event_at,
                    )
                )
        return out

    def mark_sent(self, row_id: int, token: str) -> bool:
        with self.Session.begin() as s:
            res = s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row_id, OutboxMessage.claim_token == token, OutboxMessage.status == "sending"
                )
                .values(status="sent", sent_at=utcnow(), claim_token=None, last_error=None)
            )
            return res.rowcount == 1

    def mark_failed(
        self, row_id: int, token: str, error: str, max_attempts: int, base_backoff: float, max_backoff: float = 3600.0
    ) -> str:
        with self.Session.begin() as s:
            row = s.execute(
                select(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
            ).scalar_one_or_none()
            if row is None or row.status != "sending":
                return "lost-claim"
            row.last_error = error[:1000]
            row.claim_token = None
            if row.attempts >= max_attempts:
                row.status = "dead"
                log.error("outbox %s dead-lettered after %d attempts: %s", row_id, row.attempts, error[:200])
            else:
                delay = min(max_backoff, base_backoff * 2 ** (row.attempts - 1)) * random.uniform(0.8, 1.2)
                row.status = "pending"
                row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
            return row.status

    def postpone(self, row_id: int, token: str, seconds: float, reason: str) -> None:
        """Put a row back without counting a failure (e.g. Telegram's RetryAfter)."""
        with self.Session.begin() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
                .values(
                    status="pending",
                    claim_token=None,
                    attempts=OutboxMessage.attempts - 1,
                    last_error=reason[:1000],
                    next_attempt_at=utcnow() + dt.timedelta(seconds=seconds),
                )
            )

    def outbox_rows(self, status: Optional[str] = None, limit: int = 100) -> List[OutboxMessage]:
        with self.Session.begin() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.id).limit(limit)
            if status:
                q = q.where(OutboxMessage.status == status)
            return list(s.execute(q).scalars())

    def outbox_counts(self) -> Dict[str, int]:
        with self.Session.begin() as s:
            return dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())

    def retry_dead(self, ids: Optional[Sequence[int]] = None) -> int:
        with self.Session.begin() as s:
            q = update(OutboxMessage).where(OutboxMessage.status == "dead")
            if ids:
                q = q.where(OutboxMessage.id.in_(list(ids)))
            return s.execute(
                q.values(status="pending", attempts=0, next_attempt_at=utcnow(), claim_token=None)
            ).rowcount

    def purge_sent(self, older_than_days: int) -> int:
        with self.Session.begin() as s:
            return s.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status == "sent",
                    OutboxMessage.sent_at < utcnow() - dt.timedelta(days=older_than_days),
                )
            ).rowcount
