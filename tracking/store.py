"""Tracking store: every write that matters happens in one transaction.

The store is one object made of its parts, each in a module named for what it holds: applications (stage
changes), lookups (and their rate limits), subscriptions, reminder_store (expiry reminders) and outbox.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Engine

from tracking import db
from tracking.applications import ApplicationsStore
from tracking.lookups import LookupsStore
from tracking.outbox import OutboxStore
from tracking.reminder_store import RemindersStore
from tracking.store_common import (  # noqa: F401  (the names callers import from tracking.store)
    EVENT_DOC_TYPE,
    STATUS_INTENT,
    ApplicationView,
    ApplyResult,
    Claimed,
    LookupResult,
    RateLimits,
    SubscriptionView,
    chat_key,
    utcnow,
)
from tracking.subscriptions import SubscriptionsStore


class TrackingStore(ApplicationsStore, LookupsStore, SubscriptionsStore, RemindersStore, OutboxStore):
    def __init__(
        self, engine: Optional[Engine] = None, *, migrate: bool = True, limits: Optional[RateLimits] = None
    ) -> None:
        self.engine = engine or db.make_engine()
        if migrate:
            db.upgrade(self.engine)
        self.Session = db.session_factory(self.engine)
        self.is_pg = self.engine.dialect.name == "postgresql"
        self.limits = limits or RateLimits()
