"""Demo simulator: moves applications one stage forward on a timer (local runs only)."""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from sqlalchemy import select

from dmsbot.settings import settings
from tracking.models import Application
from tracking.stages import MAIN_STAGES
from tracking.store import TrackingStore, utcnow

log = logging.getLogger(__name__)


def advance_all(store: TrackingStore) -> int:
    """Advance every application that is not yet at `arrived` by one stage."""
    moved = 0
    with store.Session.begin() as s:
        apps = s.execute(select(Application.id, Application.stage)).all()
    for app_id, stage in apps:
        if stage in ("arrived", "issued", "refused"):
            continue
        nxt = (
            MAIN_STAGES[0]
            if stage in (None, "not_found")
            else (MAIN_STAGES[MAIN_STAGES.index(stage) + 1] if stage in MAIN_STAGES else None)
        )
        if nxt is None:
            continue
        if store.apply_status_by_id(app_id, nxt, utcnow(), "simulator").accepted:
            moved += 1
    return moved


async def run_simulator(
    store: TrackingStore, interval: Optional[float] = None, stop: Optional[asyncio.Event] = None
) -> None:
    interval = interval or settings().demo_simulator_interval
    stop = stop or asyncio.Event()
    log.info("demo simulator: advancing applications every %.0fs", interval)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass
        if stop.is_set():
            break
        n = await asyncio.to_thread(advance_all, store)
        if n:
            log.info("demo simulator moved %d application(s)", n)
