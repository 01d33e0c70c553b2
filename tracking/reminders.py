"""Expiry reminders: a month before expiry, and before the last day to apply for a permit exchange."""
from __future__ import annotations

import datetime as dt
from typing import List, Tuple

from tracking.stages import PERMIT_TYPES

# A permit exchange must be filed at least 15 working days before expiry (dms-facts §3).
PERMIT_EXCHANGE_WORKING_DAYS = 15
# Remind this many calendar days before that last day.
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


def last_day_to_apply_exchange(expiry: dt.date) -> dt.date:
    return minus_working_days(expiry, PERMIT_EXCHANGE_WORKING_DAYS)


def reminder_plan(doc_type: str, expiry: dt.date, today: dt.date) -> List[Tuple[str, dt.date]]:
    """(kind, date) pairs; a date already past is moved to today so the user still hears it."""
    plan = [("expiry_soon", minus_months(expiry, 1))]
    if doc_type in PERMIT_TYPES:
        plan.append(("permit_exchange_deadline",
                     last_day_to_apply_exchange(expiry) - dt.timedelta(days=PERMIT_DEADLINE_NOTICE_DAYS)))
    return [(kind, max(day, today)) for kind, day in plan]
