"""Expiry reminders: stored per chat, queued into the outbox when due.

A part of TrackingStore (tracking/store.py); `self` has `Session`, `is_pg` and `limits`."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional

from sqlalchemy import delete, select

from dmsbot.clock import today as kyiv_today
from tracking.models import OutboxMessage, Reminder
from tracking.store_common import STATUS_INTENT, utcnow


class RemindersStore:
    def set_expiry_reminder(
        self, chat_id: str, channel: str, doc_type: str, expiry: dt.date, today: Optional[dt.date] = None
    ) -> List[Reminder]:
        from tracking.reminders import reminder_plan

        today = today or kyiv_today()
        plan = reminder_plan(doc_type, expiry, today)
        with self.Session.begin() as s:
            out = []
            s.execute(delete(Reminder).where(Reminder.chat_id == chat_id, Reminder.doc_type == doc_type))
            for kind, remind_on in plan:
                r = Reminder(
                    chat_id=chat_id,
                    channel=channel,
                    doc_type=doc_type,
                    kind=kind,
                    expiry_date=expiry,
                    remind_on=remind_on,
                    queued=False,
                    created_at=utcnow(),
                )
                s.add(r)
                out.append(r)
            return out

    def cancel_reminders(self, chat_id: str, doc_type: Optional[str] = None) -> List[str]:
        """Delete a chat's expiry reminders (of one document, or all); the documents whose reminders went."""
        with self.Session.begin() as s:
            q = select(Reminder).where(Reminder.chat_id == chat_id)
            if doc_type is not None:
                q = q.where(Reminder.doc_type == doc_type)
            gone = list(s.execute(q).scalars())
            for r in gone:
                s.delete(r)
            return sorted({r.doc_type for r in gone})

    def list_reminders(self, chat_id: Optional[str] = None) -> List[Reminder]:
        with self.Session.begin() as s:
            q = select(Reminder).order_by(Reminder.remind_on)
            if chat_id is not None:
                q = q.where(Reminder.chat_id == chat_id)
            return list(s.execute(q).scalars())

    def queue_due_reminders(self, today: Optional[dt.date] = None) -> int:
        today = today or kyiv_today()
        with self.Session.begin() as s:
            q = select(Reminder).where(Reminder.queued.is_(False), Reminder.remind_on <= today)
            if self.is_pg:
                q = q.with_for_update(skip_locked=True)
            n = 0
            for r in s.execute(q).scalars():
                key = f"reminder:{r.id}:{r.kind}:{r.expiry_date.isoformat()}"
                r.queued = True
                if s.execute(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
                    continue
                now = utcnow()
                s.add(
                    OutboxMessage(
                        idempotency_key=key,
                        chat_id=r.chat_id,
                        channel=r.channel,
                        intent=STATUS_INTENT,
                        entities={
                            "stage": r.kind,
                            "tracked_doc_type": r.doc_type,
                            "reminder_date": r.expiry_date.strftime("%d.%m.%Y"),
                            "notification_key": key,
                        },
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        event_at=now,
                        created_at=now,
                    )
                )
                n += 1
            return n
