"""Expiry reminders: each document by its own rule (tracking.stages.REMINDER_KIND_BY_DOC)."""

from __future__ import annotations

import datetime as dt
from typing import List, Tuple

from tracking.stages import REMINDER_KIND_BY_DOC

# A temporary residence permit is exchanged by its last day; with fewer than 15 working days left only a ДМС unit
# (not ЦНАП) accepts the application (dms-facts §11.1.5). The figure decides the place, not the deadline.
PERMIT_ANY_OFFICE_WORKING_DAYS = 15
# Remind this many calendar days before the last day every office accepts it.
PERMIT_DEADLINE_NOTICE_DAYS = 7


def minus_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise ValueError(day)


def minus_working_days(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def last_day_at_any_office(expiry: dt.date) -> dt.date:
    """The last day a temporary permit's exchange is still accepted by ЦНАП too (later: only a ДМС unit)."""
    return minus_working_days(expiry, PERMIT_ANY_OFFICE_WORKING_DAYS)


def reminder_plan(doc_type: str, expiry: dt.date, today: dt.date) -> List[Tuple[str, dt.date]]:
    """(kind, date) pairs; a date already past is moved to today so the user still hears it."""
    kind = REMINDER_KIND_BY_DOC.get(doc_type, "expiry_plain")
    if kind == "permit_exchange_deadline":
        day = last_day_at_any_office(expiry) - dt.timedelta(days=PERMIT_DEADLINE_NOTICE_DAYS)
    else:
        day = minus_months(expiry, 1)
    return [(kind, max(day, today))]
