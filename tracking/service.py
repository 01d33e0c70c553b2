"""`dmsbot serve`: status API, notifier worker(s) and (optionally) the demo simulator in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import List, Optional

from aiohttp import web

from dmsbot.settings import settings
from tracking.api import make_app
from tracking.config_secrets import require_production_secrets
from tracking.log_redaction import install as install_log_redaction
from tracking.notifier import Notifier, NotifierConfig
from tracking.ratelimit import TokenBucket
from tracking.simulator import run_simulator
from tracking.store import TrackingStore

log = logging.getLogger(__name__)


async def serve(
    host: str,
    port: int,
    api: bool = True,
    notifiers: int = 1,
    simulator: bool = False,
    database_url: Optional[str] = None,
) -> None:
    from tracking import db

    store = TrackingStore(db.make_engine(database_url))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    runner: Optional[web.AppRunner] = None
    if api:
        runner = web.AppRunner(make_app(store), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        log.info("status API on http://%s:%d/api/v1/status", host, port)
        print(f"tracking: status API on http://{host}:{port}/api/v1/status", flush=True)

    cfg = NotifierConfig()
    # Workers of one process share one bucket so the process stays under the per-bot limit.
    bucket = TokenBucket(cfg.rate_per_sec)
    workers: List[Notifier] = [Notifier(store, cfg, bucket) for _ in range(notifiers)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    if notifiers:
        print(f"tracking: {notifiers} notifier worker(s) -> {cfg.rasa_url}", flush=True)
    if simulator:
        tasks.append(asyncio.create_task(run_simulator(store, stop=stop)))
        print("tracking: demo simulator on", flush=True)

    await stop.wait()
    for w in workers:
        w.stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    if runner is not None:
        await runner.cleanup()
    store.engine.dispose()


def main_serve(
    host: Optional[str] = None,
    port: Optional[int] = None,
    api: bool = True,
    notifiers: Optional[int] = None,
    simulator: Optional[bool] = None,
) -> int:
    logging.basicConfig(level=settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    require_production_secrets()
    install_log_redaction()
    host = host or settings().tracking_api_host
    port = port or settings().tracking_api_port
    notifiers = notifiers if notifiers is not None else settings().notifier_workers
    simulator = simulator if simulator is not None else settings().demo_simulator
    asyncio.run(serve(host, port, api, notifiers, simulator))
    return 0
