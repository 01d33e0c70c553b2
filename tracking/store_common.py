"""Types and helpers shared by the parts of the tracking store."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from dmsbot.settings import settings
from tracking.models import Application, Subscription

STATUS_INTENT = "EXTERNAL_status_changed"
# Entity names of the pushed event; deliberately not `doc_type`, which would fill the consultation slot.
EVENT_DOC_TYPE = "tracked_doc_type"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def chat_key(chat_id: str) -> str:
    return hashlib.sha256(f"chat|{chat_id}".encode()).hexdigest()


@dataclass
class ApplyResult:
    accepted: bool
    reason: str
    stage: Optional[str]
    queued: int = 0
    masked: str = ""


@dataclass
class ApplicationView:
    doc_type: str
    masked: str
    base_kind: str
    stage: Optional[str]
    stage_changed_at: Optional[dt.datetime]


@dataclass
class LookupResult:
    allowed: bool
    application: Optional[ApplicationView] = None
    retry_after_minutes: int = 0


@dataclass
class SubscriptionView:
    id: int
    doc_type: str
    masked: str
    stage: Optional[str]
    channel: str
    created_at: dt.datetime


@dataclass
class Claimed:
    id: int
    token: str
    chat_id: str
    channel: str
    intent: str
    entities: Dict[str, Any]
    idempotency_key: str
    attempts: int
    uncertain: bool  # an earlier delivery attempt may have reached Rasa
    event_at: Optional[dt.datetime]


@dataclass
class RateLimits:
    lookups_per_hour: int = field(default_factory=lambda: settings().tracking_lookups_per_hour)
    distinct_per_day: int = field(default_factory=lambda: settings().tracking_distinct_per_day)
    # Per source (a keyed hash of the client's address, REST/web) so that new sender ids do not get around the
    # limit; three times the per-chat limits, as several people may share one address.
    source_factor: int = 3

    @property
    def source_lookups_per_hour(self) -> int:
        return self.lookups_per_hour * self.source_factor

    @property
    def source_distinct_per_day(self) -> int:
        return self.distinct_per_day * self.source_factor


class Retry(Exception):
    """A concurrent insert of the same key: the transaction is run again."""

    pass


def naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def view(app: Application) -> ApplicationView:
    return ApplicationView(app.doc_type, app.number_masked, app.base_kind, app.stage, app.stage_changed_at)


def sub_view(sub: Subscription, app: Application) -> SubscriptionView:
    return SubscriptionView(sub.id, app.doc_type, app.number_masked, app.stage, sub.channel, sub.created_at)
