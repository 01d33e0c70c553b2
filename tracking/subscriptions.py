"""Subscriptions to an application's progress, pausing them and deleting a user's data.

A part of TrackingStore (tracking/store.py); `self` has `Session`, `is_pg` and `limits`."""

from __future__ import annotations

from typing import Dict, List, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from tracking.models import Application, Lookup, OutboxMessage, Reminder, Subscription
from tracking.store_common import Retry, SubscriptionView, chat_key, sub_view, utcnow


class SubscriptionsStore:
    def subscribe(self, chat_id: str, channel: str, doc_type: str, raw_number: str) -> tuple:
        for _ in range(3):
            try:
                with self.Session.begin() as s:
                    app = self._get_or_create_app(s, doc_type, raw_number, lock=False)
                    sub = s.execute(
                        select(Subscription).where(
                            Subscription.chat_id == chat_id, Subscription.application_id == app.id
                        )
                    ).scalar_one_or_none()
                    created = sub is None
                    if created:
                        sub = Subscription(chat_id=chat_id, channel=channel, application_id=app.id, created_at=utcnow())
                        s.add(sub)
                        s.flush()
                    elif sub.channel != channel:
                        sub.channel = channel
                    return sub_view(sub, app), created
            except (Retry, IntegrityError):
                continue
        raise RuntimeError("could not subscribe after retries")

    def list_subscriptions(self, chat_id: Optional[str] = None) -> List[SubscriptionView]:
        with self.Session.begin() as s:
            q = select(Subscription, Application).join(Application, Subscription.application_id == Application.id)
            if chat_id is not None:
                q = q.where(Subscription.chat_id == chat_id)
            return [sub_view(sub, app) for sub, app in s.execute(q.order_by(Subscription.id))]

    def unsubscribe(self, chat_id: str, subscription_id: Optional[int] = None, doc_type: Optional[str] = None) -> int:
        """Remove one subscription (by id or doc type) or, with neither, all of a chat's."""
        with self.Session.begin() as s:
            q = select(Subscription).join(Application).where(Subscription.chat_id == chat_id)
            if subscription_id is not None:
                q = q.where(Subscription.id == subscription_id)
            if doc_type is not None:
                q = q.where(Application.doc_type == doc_type)
            subs = s.execute(q).scalars().all()
            for sub in subs:
                # Pending notifications of a cancelled subscription are no longer wanted.
                s.execute(
                    delete(OutboxMessage)
                    .where(
                        OutboxMessage.chat_id == chat_id,
                        OutboxMessage.status == "pending",
                        OutboxMessage.idempotency_key.like(f"stage:{sub.application_id}:%"),
                    )
                    .execution_options(synchronize_session=False)
                )
                s.delete(sub)
            return len(subs)

    def pause_subscriptions(self, chat_id: str) -> int:
        """The user cannot receive messages for now (left the Viber bot): queue nothing for them."""
        with self.Session.begin() as s:
            return s.execute(
                update(Subscription)
                .where(Subscription.chat_id == chat_id, Subscription.paused_at.is_(None))
                .values(paused_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount

    def resume_subscriptions(self, chat_id: str) -> int:
        """The user is back: stage changes reach them again (changes while paused are not replayed)."""
        with self.Session.begin() as s:
            return s.execute(
                update(Subscription)
                .where(Subscription.chat_id == chat_id, Subscription.paused_at.is_not(None))
                .values(paused_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount

    def delete_user_data(self, chat_id: str) -> Dict[str, int]:
        """Remove everything the store keeps about one chat."""
        with self.Session.begin() as s:
            counts = {
                "subscriptions": s.execute(delete(Subscription).where(Subscription.chat_id == chat_id)).rowcount,
                "reminders": s.execute(delete(Reminder).where(Reminder.chat_id == chat_id)).rowcount,
                "outbox": s.execute(
                    delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.status != "sending")
                ).rowcount,
                "lookups": s.execute(delete(Lookup).where(Lookup.chat_key == chat_key(chat_id))).rowcount,
            }
            # Scrub delivered/in-flight rows too: keep no chat id once the user asked to forget.
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .values(entities={}, last_error=None)
                .execution_options(synchronize_session=False)
            )
            return counts
