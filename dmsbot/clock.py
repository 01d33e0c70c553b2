"""The bot's day: today in Kyiv (fees, deadlines and reminders are Ukrainian dates), or DMSBOT_TODAY when pinned."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dmsbot.settings import settings

logger = logging.getLogger(__name__)

try:
    KYIV = ZoneInfo("Europe/Kyiv")
except ZoneInfoNotFoundError:  # tzdata older than 2022b knows only the old spelling
    KYIV = ZoneInfo("Europe/Kiev")


def today() -> dt.date:
    pinned = settings().dmsbot_today
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            logger.warning("Ignoring DMSBOT_TODAY=%r: not a YYYY-MM-DD date", pinned)
    return dt.datetime.now(KYIV).date()
