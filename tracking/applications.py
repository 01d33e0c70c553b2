"""Applications and their stage changes (the registry feed), one transaction each.

A part of TrackingStore (tracking/store.py); `self` has `Session`, `is_pg` and `limits`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracking.models import Application, OutboxMessage, StageEvent, Subscription
from tracking.stages import (
    STAGE_RANK,
    STAGES,
    is_advance,
    parse_application_key,
)
from tracking.store_common import STATUS_INTENT, ApplicationView, ApplyResult, Retry, naive_utc, utcnow, view

log = logging.getLogger(__name__)


class ApplicationsStore:
    def _get_or_create_app(self, s: Session, doc_type: str, raw_number: str, lock: bool) -> Application:
        nhash, base = parse_application_key(doc_type, raw_number)
        q = select(Application).where(Application.doc_type == doc_type, Application.number_hash == nhash)
        if lock and self.is_pg:
            q = q.with_for_update()
        app = s.execute(q).scalar_one_or_none()
        if app is None:
            app = Application(
                doc_type=doc_type,
                number_hash=nhash,
                number_masked=base.masked,
                base_kind=base.kind,
                stage=None,
                main_rank=0,
                updated_at=utcnow(),
            )
            if self.is_pg:
                # A concurrent insert of the same key must not abort the whole transaction.
                with s.begin_nested():
                    s.add(app)
                    try:
                        s.flush()
                    except IntegrityError:
                        raise Retry() from None
            else:
                s.add(app)
                s.flush()
        return app

    def apply_status(
        self, doc_type: str, raw_number: str, stage: str, changed_at: Optional[dt.datetime] = None, source: str = "api"
    ) -> ApplyResult:
        """Record a stage change and queue one outbox row per subscriber, atomically."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        changed_at = naive_utc(changed_at or utcnow())
        for _ in range(3):
            try:
                return self._apply_status_once(doc_type, raw_number, stage, changed_at, source)
            except Retry:
                continue
        raise RuntimeError("could not apply the status change after retries")

    def apply_status_by_id(self, app_id: int, stage: str, changed_at: dt.datetime, source: str) -> ApplyResult:
        """Stage change for an application known by id (demo simulator)."""

        def locate(s: Session) -> Application:
            q = select(Application).where(Application.id == app_id)
            return s.execute(q.with_for_update() if self.is_pg else q).scalar_one()

        return self._apply(locate, stage, naive_utc(changed_at), source)

    def _apply_status_once(
        self, doc_type: str, raw_number: str, stage: str, changed_at: dt.datetime, source: str
    ) -> ApplyResult:
        return self._apply(
            lambda s: self._get_or_create_app(s, doc_type, raw_number, lock=True), stage, changed_at, source
        )

    def _apply(self, locate: Any, stage: str, changed_at: dt.datetime, source: str) -> ApplyResult:
        with self.Session.begin() as s:
            app = locate(s)
            doc_type = app.doc_type
            if not is_advance(app.stage, app.main_rank, stage):
                return ApplyResult(False, "ignored: replay or not a forward move", app.stage, masked=app.number_masked)
            now = utcnow()
            app.stage = stage
            app.stage_changed_at = changed_at
            app.updated_at = now
            if stage in STAGE_RANK:
                app.main_rank = max(app.main_rank, STAGE_RANK[stage])
            s.add(StageEvent(application_id=app.id, stage=stage, changed_at=changed_at, received_at=now, source=source))
            subs = (
                s.execute(
                    select(Subscription).where(Subscription.application_id == app.id, Subscription.paused_at.is_(None))
                )
                .scalars()
                .all()
            )
            queued = 0
            for sub in subs:
                key = f"stage:{app.id}:{stage}:{sub.chat_id}"
                if s.execute(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
                    continue
                s.add(
                    OutboxMessage(
                        idempotency_key=key,
                        chat_id=sub.chat_id,
                        channel=sub.channel,
                        intent=STATUS_INTENT,
                        entities={
                            "stage": stage,
                            "tracked_doc_type": app.doc_type,
                            "number_masked": app.number_masked,
                            "notification_key": key,
                        },
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        event_at=now,
                        created_at=now,
                    )
                )
                queued += 1
            log.info("stage -> %s for %s %s, %d queued", stage, doc_type, app.number_masked, queued)
            return ApplyResult(True, "accepted", stage, queued, app.number_masked)

    def get_status(self, doc_type: str, raw_number: str) -> Optional[ApplicationView]:
        nhash, _ = parse_application_key(doc_type, raw_number)
        with self.Session.begin() as s:
            app = s.execute(
                select(Application).where(Application.doc_type == doc_type, Application.number_hash == nhash)
            ).scalar_one_or_none()
            return view(app) if app else None
