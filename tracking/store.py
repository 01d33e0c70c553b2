"""Tracking store service: every write that matters happens in one transaction here."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from tracking import db
from dmsbot.clock import today as kyiv_today
from tracking.models import Application, Lookup, OutboxMessage, Reminder, StageEvent, Subscription
from tracking.stages import (
    MAIN_STAGES, PERMIT_TYPES, STAGE_RANK, STAGES, is_advance, mask_number, parse_application_key,
)

log = logging.getLogger(__name__)

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
    lookups_per_hour: int = field(default_factory=lambda: int(os.environ.get("TRACKING_LOOKUPS_PER_HOUR", "10")))
    distinct_per_day: int = field(default_factory=lambda: int(os.environ.get("TRACKING_DISTINCT_PER_DAY", "3")))
    # Per source (a keyed hash of the client's address, REST/web) so that new sender ids do not get around the
    # limit; three times the per-chat limits, as several people may share one address.
    source_factor: int = 3

    @property
    def source_lookups_per_hour(self) -> int:
        return self.lookups_per_hour * self.source_factor

    @property
    def source_distinct_per_day(self) -> int:
        return self.distinct_per_day * self.source_factor


class TrackingStore:
    def __init__(self, engine: Optional[Engine] = None, *, migrate: bool = True,
                 limits: Optional[RateLimits] = None) -> None:
        self.engine = engine or db.make_engine()
        if migrate:
            db.upgrade(self.engine)
        self.Session = db.session_factory(self.engine)
        self.is_pg = self.engine.dialect.name == "postgresql"
        self.limits = limits or RateLimits()

    # --- applications and stage changes ------------------------------------------

    def _get_or_create_app(self, s: Session, doc_type: str, raw_number: str, lock: bool) -> Application:
        nhash, base = parse_application_key(doc_type, raw_number)
        q = select(Application).where(Application.doc_type == doc_type, Application.number_hash == nhash)
        if lock and self.is_pg:
            q = q.with_for_update()
        app = s.execute(q).scalar_one_or_none()
        if app is None:
            app = Application(doc_type=doc_type, number_hash=nhash, number_masked=base.masked,
                              base_kind=base.kind, stage=None, main_rank=0, updated_at=utcnow())
            if self.is_pg:
                # A concurrent insert of the same key must not abort the whole transaction.
                with s.begin_nested():
                    s.add(app)
                    try:
                        s.flush()
                    except IntegrityError:
                        raise _Retry()
            else:
                s.add(app)
                s.flush()
        return app

    def apply_status(self, doc_type: str, raw_number: str, stage: str,
                     changed_at: Optional[dt.datetime] = None, source: str = "api") -> ApplyResult:
        """Record a stage change and queue one outbox row per subscriber, atomically."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        changed_at = _naive_utc(changed_at or utcnow())
        for _ in range(3):
            try:
                return self._apply_status_once(doc_type, raw_number, stage, changed_at, source)
            except _Retry:
                continue
        raise RuntimeError("could not apply the status change after retries")

    def apply_status_by_id(self, app_id: int, stage: str, changed_at: dt.datetime,
                           source: str) -> ApplyResult:
        """Stage change for an application known by id (demo simulator)."""
        def locate(s: Session) -> Application:
            q = select(Application).where(Application.id == app_id)
            return s.execute(q.with_for_update() if self.is_pg else q).scalar_one()
        return self._apply(locate, stage, _naive_utc(changed_at), source)

    def _apply_status_once(self, doc_type: str, raw_number: str, stage: str,
                           changed_at: dt.datetime, source: str) -> ApplyResult:
        return self._apply(lambda s: self._get_or_create_app(s, doc_type, raw_number, lock=True),
                           stage, changed_at, source)

    def _apply(self, locate: Any, stage: str, changed_at: dt.datetime, source: str) -> ApplyResult:
        with self.Session.begin() as s:
            app = locate(s)
            doc_type = app.doc_type
            if not is_advance(app.stage, app.main_rank, stage):
                return ApplyResult(False, "ignored: replay or not a forward move", app.stage,
                                   masked=app.number_masked)
            now = utcnow()
            app.stage = stage
            app.stage_changed_at = changed_at
            app.updated_at = now
            if stage in STAGE_RANK:
                app.main_rank = max(app.main_rank, STAGE_RANK[stage])
            s.add(StageEvent(application_id=app.id, stage=stage, changed_at=changed_at,
                             received_at=now, source=source))
            subs = s.execute(select(Subscription).where(
                Subscription.application_id == app.id, Subscription.paused_at.is_(None))).scalars().all()
            queued = 0
            for sub in subs:
                key = f"stage:{app.id}:{stage}:{sub.chat_id}"
                if s.execute(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
                    continue
                s.add(OutboxMessage(
                    idempotency_key=key, chat_id=sub.chat_id, channel=sub.channel,
                    intent=STATUS_INTENT,
                    entities={"stage": stage, "tracked_doc_type": app.doc_type,
                              "number_masked": app.number_masked, "notification_key": key},
                    status="pending", attempts=0, next_attempt_at=now, event_at=now, created_at=now))
                queued += 1
            log.info("stage -> %s for %s %s, %d queued", stage, doc_type, app.number_masked, queued)
            return ApplyResult(True, "accepted", stage, queued, app.number_masked)

    def get_status(self, doc_type: str, raw_number: str) -> Optional[ApplicationView]:
        nhash, _ = parse_application_key(doc_type, raw_number)
        with self.Session.begin() as s:
            app = s.execute(select(Application).where(
                Application.doc_type == doc_type, Application.number_hash == nhash)).scalar_one_or_none()
            return _view(app) if app else None

    def lookup(self, chat_id: str, doc_type: str, raw_number: str, source: Optional[str] = None) -> LookupResult:
        """A status lookup on behalf of one chat, rate-limited per chat and (when known) per source."""
        nhash, _ = parse_application_key(doc_type, raw_number)
        ckey = chat_key(chat_id)
        now = utcnow()
        with self.Session.begin() as s:
            if source:
                skey = "source|" + source
                hour = s.execute(select(func.count()).select_from(Lookup).where(
                    Lookup.chat_key == skey, Lookup.at > now - dt.timedelta(hours=1))).scalar_one()
                day_hashes = set(s.execute(select(Lookup.number_hash).where(
                    Lookup.chat_key == skey, Lookup.at > now - dt.timedelta(days=1))).scalars())
                if nhash not in day_hashes and len(day_hashes) >= self.limits.source_distinct_per_day:
                    log.warning("status lookup rate-limited for source %s", source[:12])
                    return LookupResult(False, retry_after_minutes=24 * 60)
                if hour >= self.limits.source_lookups_per_hour:
                    log.warning("status lookup rate-limited for source %s", source[:12])
                    return LookupResult(False, retry_after_minutes=60)
                s.add(Lookup(chat_key=skey, number_hash=nhash, at=now))
            hour = s.execute(select(func.count()).select_from(Lookup).where(
                Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(hours=1))).scalar_one()
            day_hashes = set(s.execute(select(Lookup.number_hash).where(
                Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(days=1))).scalars())
            if hour >= self.limits.lookups_per_hour or (
                    nhash not in day_hashes and len(day_hashes) >= self.limits.distinct_per_day):
                first = s.execute(select(func.min(Lookup.at)).where(
                    Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(hours=1))).scalar_one()
                wait = 60 if first is None else max(1, 60 - int((now - first).total_seconds() // 60))
                if nhash not in day_hashes and len(day_hashes) >= self.limits.distinct_per_day:
                    wait = 24 * 60
                log.warning("status lookup rate-limited for chat %s", ckey[:10])
                return LookupResult(False, retry_after_minutes=wait)
            s.add(Lookup(chat_key=ckey, number_hash=nhash, at=now))
            app = s.execute(select(Application).where(
                Application.doc_type == doc_type, Application.number_hash == nhash)).scalar_one_or_none()
            return LookupResult(True, _view(app) if app else None)

    # --- subscriptions ----------------------------------------------------------------

    def subscribe(self, chat_id: str, channel: str, doc_type: str, raw_number: str) -> tuple:
        for _ in range(3):
            try:
                with self.Session.begin() as s:
                    app = self._get_or_create_app(s, doc_type, raw_number, lock=False)
                    sub = s.execute(select(Subscription).where(
                        Subscription.chat_id == chat_id, Subscription.application_id == app.id)).scalar_one_or_none()
                    created = sub is None
                    if created:
                        sub = Subscription(chat_id=chat_id, channel=channel, application_id=app.id,
                                           created_at=utcnow())
                        s.add(sub)
                        s.flush()
                    elif sub.channel != channel:
                        sub.channel = channel
                    return _sub_view(sub, app), created
            except (_Retry, IntegrityError):
                continue
        raise RuntimeError("could not subscribe after retries")

    def list_subscriptions(self, chat_id: Optional[str] = None) -> List[SubscriptionView]:
        with self.Session.begin() as s:
            q = select(Subscription, Application).join(Application, Subscription.application_id == Application.id)
            if chat_id is not None:
                q = q.where(Subscription.chat_id == chat_id)
            return [_sub_view(sub, app) for sub, app in s.execute(q.order_by(Subscription.id))]

    def unsubscribe(self, chat_id: str, subscription_id: Optional[int] = None,
                    doc_type: Optional[str] = None) -> int:
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
                s.execute(delete(OutboxMessage).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
                    OutboxMessage.idempotency_key.like(f"stage:{sub.application_id}:%"))
                          .execution_options(synchronize_session=False))
                s.delete(sub)
            return len(subs)

    def pause_subscriptions(self, chat_id: str) -> int:
        """The user cannot receive messages for now (left the Viber bot): queue nothing for them."""
        with self.Session.begin() as s:
            return s.execute(update(Subscription).where(
                Subscription.chat_id == chat_id, Subscription.paused_at.is_(None)).values(
                paused_at=utcnow()).execution_options(synchronize_session=False)).rowcount

    def resume_subscriptions(self, chat_id: str) -> int:
        """The user is back: stage changes reach them again (changes while paused are not replayed)."""
        with self.Session.begin() as s:
            return s.execute(update(Subscription).where(
                Subscription.chat_id == chat_id, Subscription.paused_at.is_not(None)).values(
                paused_at=None).execution_options(synchronize_session=False)).rowcount

    def delete_user_data(self, chat_id: str) -> Dict[str, int]:
        """Remove everything the store keeps about one chat."""
        with self.Session.begin() as s:
            counts = {
                "subscriptions": s.execute(delete(Subscription).where(Subscription.chat_id == chat_id)).rowcount,
                "reminders": s.execute(delete(Reminder).where(Reminder.chat_id == chat_id)).rowcount,
                "outbox": s.execute(delete(OutboxMessage).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.status != "sending")).rowcount,
                "lookups": s.execute(delete(Lookup).where(Lookup.chat_key == chat_key(chat_id))).rowcount,
            }
            # Scrub delivered/in-flight rows too: keep no chat id once the user asked to forget.
            s.execute(update(OutboxMessage).where(OutboxMessage.chat_id == chat_id).values(
                entities={}, last_error=None).execution_options(synchronize_session=False))
            return counts

    # --- expiry reminders -----------------------------------------------------------

    def set_expiry_reminder(self, chat_id: str, channel: str, doc_type: str, expiry: dt.date,
                            today: Optional[dt.date] = None) -> List[Reminder]:
        from tracking.reminders import reminder_plan

        today = today or kyiv_today()
        plan = reminder_plan(doc_type, expiry, today)
        with self.Session.begin() as s:
            out = []
            s.execute(delete(Reminder).where(Reminder.chat_id == chat_id, Reminder.doc_type == doc_type))
            for kind, remind_on in plan:
                r = Reminder(chat_id=chat_id, channel=channel, doc_type=doc_type, kind=kind,
                             expiry_date=expiry, remind_on=remind_on, queued=False, created_at=utcnow())
                s.add(r)
                out.append(r)
            return out

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
                s.add(OutboxMessage(
                    idempotency_key=key, chat_id=r.chat_id, channel=r.channel, intent=STATUS_INTENT,
                    entities={"stage": r.kind, "tracked_doc_type": r.doc_type,
                              "reminder_date": r.expiry_date.strftime("%d.%m.%Y"), "notification_key": key},
                    status="pending", attempts=0, next_attempt_at=now, event_at=now, created_at=now))
                n += 1
            return n

    # --- outbox -----------------------------------------------------------------------

    def claim(self, limit: int, lease_seconds: float) -> List[Claimed]:
        """Claim due rows, at most one per chat and only a chat's oldest open row (keeps order)."""
        now = utcnow()
        stale = now - dt.timedelta(seconds=lease_seconds)
        o2 = aliased(OutboxMessage)
        earlier_open = exists().where(
            o2.chat_id == OutboxMessage.chat_id, o2.id < OutboxMessage.id,
            o2.status.in_(("pending", "sending")))
        q = (select(OutboxMessage)
             .where(or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale)),
                    ~earlier_open)
             .order_by(OutboxMessage.id).limit(limit))
        if self.is_pg:
            q = q.with_for_update(skip_locked=True, of=OutboxMessage)
        out: List[Claimed] = []
        with self.Session.begin() as s:
            for row in s.execute(q).scalars().all():
                token = uuid.uuid4().hex
                # Compare-and-set: only one worker wins a row even without row locks.
                res = s.execute(update(OutboxMessage).where(
                    OutboxMessage.id == row.id, OutboxMessage.status == row.status,
                    OutboxMessage.attempts == row.attempts,
                ).values(status="sending", claim_token=token, claimed_at=now,
                         attempts=OutboxMessage.attempts + 1).execution_options(synchronize_session=False))
                if res.rowcount != 1:
                    continue
                out.append(Claimed(row.id, token, row.chat_id, row.channel, row.intent, dict(row.entities),
                                   row.idempotency_key, row.attempts + 1, row.attempts > 0, row.event_at))
        return out

    def mark_sent(self, row_id: int, token: str) -> bool:
        with self.Session.begin() as s:
            res = s.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.claim_token == token,
                OutboxMessage.status == "sending").values(
                status="sent", sent_at=utcnow(), claim_token=None, last_error=None))
            return res.rowcount == 1

    def mark_failed(self, row_id: int, token: str, error: str, max_attempts: int,
                    base_backoff: float, max_backoff: float = 3600.0) -> str:
        with self.Session.begin() as s:
            row = s.execute(select(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.claim_token == token)).scalar_one_or_none()
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
            s.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.claim_token == token).values(
                status="pending", claim_token=None, attempts=OutboxMessage.attempts - 1,
                last_error=reason[:1000], next_attempt_at=utcnow() + dt.timedelta(seconds=seconds)))

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
            return s.execute(q.values(status="pending", attempts=0, next_attempt_at=utcnow(),
                                      claim_token=None)).rowcount

    def purge_sent(self, older_than_days: int) -> int:
        with self.Session.begin() as s:
            return s.execute(delete(OutboxMessage).where(
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at < utcnow() - dt.timedelta(days=older_than_days))).rowcount


class _Retry(Exception):
    pass


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _view(app: Application) -> ApplicationView:
    return ApplicationView(app.doc_type, app.number_masked, app.base_kind, app.stage, app.stage_changed_at)


def _sub_view(sub: Subscription, app: Application) -> SubscriptionView:
    return SubscriptionView(sub.id, app.doc_type, app.number_masked, app.stage, sub.channel, sub.created_at)
