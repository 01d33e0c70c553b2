"""Status lookups by users, limited per chat and per source.

A part of TrackingStore (tracking/store.py); `self` has `Session`, `is_pg` and `limits`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from sqlalchemy import func, select

from tracking.models import Application, Lookup
from tracking.stages import (
    parse_application_key,
)
from tracking.store_common import LookupResult, chat_key, utcnow, view

log = logging.getLogger(__name__)


class LookupsStore:
    def lookup(self, chat_id: str, doc_type: str, raw_number: str, source: Optional[str] = None) -> LookupResult:
        """A status lookup on behalf of one chat, rate-limited per chat and (when known) per source."""
        nhash, _ = parse_application_key(doc_type, raw_number)
        ckey = chat_key(chat_id)
        now = utcnow()
        with self.Session.begin() as s:
            if source:
                skey = "source|" + source
                hour = s.execute(
                    select(func.count())
                    .select_from(Lookup)
                    .where(Lookup.chat_key == skey, Lookup.at > now - dt.timedelta(hours=1))
                ).scalar_one()
                day_hashes = set(
                    s.execute(
                        select(Lookup.number_hash).where(
                            Lookup.chat_key == skey, Lookup.at > now - dt.timedelta(days=1)
                        )
                    ).scalars()
                )
                if nhash not in day_hashes and len(day_hashes) >= self.limits.source_distinct_per_day:
                    log.warning("status lookup rate-limited for source %s", source[:12])
                    return LookupResult(False, retry_after_minutes=24 * 60)
                if hour >= self.limits.source_lookups_per_hour:
                    log.warning("status lookup rate-limited for source %s", source[:12])
                    return LookupResult(False, retry_after_minutes=60)
                s.add(Lookup(chat_key=skey, number_hash=nhash, at=now))
            hour = s.execute(
                select(func.count())
                .select_from(Lookup)
                .where(Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(hours=1))
            ).scalar_one()
            day_hashes = set(
                s.execute(
                    select(Lookup.number_hash).where(Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(days=1))
                ).scalars()
            )
            if hour >= self.limits.lookups_per_hour or (
                nhash not in day_hashes and len(day_hashes) >= self.limits.distinct_per_day
            ):
                first = s.execute(
                    select(func.min(Lookup.at)).where(Lookup.chat_key == ckey, Lookup.at > now - dt.timedelta(hours=1))
                ).scalar_one()
                wait = 60 if first is None else max(1, 60 - int((now - first).total_seconds() // 60))
                if nhash not in day_hashes and len(day_hashes) >= self.limits.distinct_per_day:
                    wait = 24 * 60
                log.warning("status lookup rate-limited for chat %s", ckey[:10])
                return LookupResult(False, retry_after_minutes=wait)
            s.add(Lookup(chat_key=ckey, number_hash=nhash, at=now))
            app = s.execute(
                select(Application).where(Application.doc_type == doc_type, Application.number_hash == nhash)
            ).scalar_one_or_none()
            return LookupResult(True, view(app) if app else None)
