"""Delivers the outbox through Rasa's trigger_intent, exactly once per row.

Crash safety: a row is claimed (status `sending`, lease), delivered, then marked `sent`. If the notifier
dies in between, the lease expires and another claim sees `uncertain=True`; before sending again it
asks Rasa's conversation history whether the event carrying the row's idempotency key is already
there, and if so only marks the row sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, Optional
from urllib.parse import quote

import aiohttp

from dmsbot.settings import settings
from tracking.config_secrets import optional_secret
from tracking.ratelimit import TokenBucket, parse_retry_after
from tracking.store import Claimed, TrackingStore

log = logging.getLogger(__name__)


@dataclass
class NotifierConfig:
    rasa_url: str = field(default_factory=lambda: settings().rasa_url)
    # Rasa's API token (RASA_AUTH_TOKEN; a local random one from var/ outside production).
    rasa_token: Optional[str] = field(default_factory=lambda: optional_secret("RASA_AUTH_TOKEN"))
    # REST cannot receive pushes, so its subscribers are reached through Rasa's callback channel.
    rest_output_channel: str = field(default_factory=lambda: settings().notifier_rest_channel)
    rate_per_sec: float = field(default_factory=lambda: settings().notifier_rate_per_sec)
    batch_size: int = field(default_factory=lambda: settings().notifier_batch)
    concurrency: int = field(default_factory=lambda: settings().notifier_concurrency)
    poll_interval: float = field(default_factory=lambda: settings().notifier_poll_seconds)
    request_timeout: float = field(default_factory=lambda: settings().notifier_timeout_seconds)
    lease_seconds: float = field(default_factory=lambda: settings().notifier_lease_seconds)
    max_attempts: int = field(default_factory=lambda: settings().notifier_max_attempts)
    base_backoff: float = field(default_factory=lambda: settings().notifier_backoff_seconds)
    # "auto": Rasa's notifier channel (tracking.rasa_channel) when registered, else trigger_intent.
    endpoint: str = field(default_factory=lambda: settings().notifier_rasa_endpoint)
    reminder_check_seconds: float = field(default_factory=lambda: settings().notifier_reminder_check_seconds)
    # Viber charges for messages the bot starts outside the 24-hour window; VIBER_NOTIFY=0 sends none.
    viber_notify: bool = field(default_factory=lambda: settings().viber_notify)


def output_channel_for(channel: str, cfg: NotifierConfig) -> str:
    if channel in ("rest", "", None):
        return cfg.rest_output_channel
    return channel


class DeliveryError(Exception):
    pass


class RetryLater(Exception):
    def __init__(self, seconds: float, reason: str, per_chat: bool = False) -> None:
        super().__init__(reason)
        self.seconds = seconds
        # Viber's rate answer limits one user (100 messages an hour), Telegram's flood limit the bot.
        self.per_chat = per_chat


class RasaDelivery:
    """Talks to Rasa's HTTP API."""

    def __init__(self, cfg: NotifierConfig, session: aiohttp.ClientSession) -> None:
        self.cfg = cfg
        self.session = session
        self.use_channel = cfg.endpoint in ("auto", "channel")

    def _params(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        params = dict(extra or {})
        if self.cfg.rasa_token:
            params["token"] = self.cfg.rasa_token
        return params

    async def already_delivered(self, row: Claimed) -> bool:
        url = f"{self.cfg.rasa_url}/conversations/{quote(row.chat_id, safe='')}/tracker"
        async with self.session.get(url, params=self._params({"include_events": "ALL"})) as resp:
            if resp.status != 200:
                raise DeliveryError(f"tracker check failed: HTTP {resp.status}")
            data = await resp.json()
        for ev in data.get("events") or []:
            if ev.get("event") != "user":
                continue
            if (ev.get("parse_data") or {}).get("intent", {}).get("name") != row.intent:
                continue
            for ent in (ev.get("parse_data") or {}).get("entities") or []:
                if ent.get("entity") == "notification_key" and ent.get("value") == row.idempotency_key:
                    return True
        return False

    async def send(self, row: Claimed) -> None:
        channel = output_channel_for(row.channel, self.cfg)
        if self.use_channel:
            url = f"{self.cfg.rasa_url}/webhooks/notifier/deliver"
            body = {"sender_id": row.chat_id, "name": row.intent, "entities": row.entities}
            async with self.session.post(url, params=self._params({"output_channel": channel}), json=body) as resp:
                text = await resp.text()
                if resp.status == 404 and self.cfg.endpoint == "auto":
                    log.warning(
                        "Rasa has no notifier channel (tracking.rasa_channel.NotifierInput in "
                        "credentials.yml); using /conversations/…/trigger_intent"
                    )
                    self.use_channel = False
                else:
                    self._check(resp, text)
                    if '"uncertain"' in text:
                        # A timeout after sending: it may have arrived, so it is not sent again.
                        log.warning("outbox %s: may have been delivered (%s); not sent again", row.id, text[:200])
                    return
        url = f"{self.cfg.rasa_url}/conversations/{quote(row.chat_id, safe='')}/trigger_intent"
        params = self._params({"output_channel": channel, "include_events": "NONE"})
        body = {"name": row.intent, "entities": row.entities}
        async with self.session.post(url, params=params, json=body) as resp:
            self._check(resp, await resp.text())

    @staticmethod
    def _check(resp: aiohttp.ClientResponse, text: str) -> None:
        if resp.status == 200:
            return
        wait = parse_retry_after(resp.status, text, resp.headers.get("Retry-After"))
        if wait is not None:
            raise RetryLater(wait, f"HTTP {resp.status}: {text[:300]}", per_chat="Viber rate limit" in text)
        raise DeliveryError(f"HTTP {resp.status}: {text[:300]}")


class Notifier:
    def __init__(
        self,
        store: TrackingStore,
        cfg: Optional[NotifierConfig] = None,
        bucket: Optional[TokenBucket] = None,
        name: Optional[str] = None,
    ) -> None:
        self.store = store
        self.cfg = cfg or NotifierConfig()
        self.bucket = bucket or TokenBucket(self.cfg.rate_per_sec)
        self.name = name or f"notifier-{uuid.uuid4().hex[:6]}"
        self.sent = 0
        self._stop = asyncio.Event()
        self._next_reminder_check = 0.0

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.cfg.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            delivery = RasaDelivery(self.cfg, session)
            log.info("%s started, Rasa at %s", self.name, self.cfg.rasa_url)
            while not self._stop.is_set():
                try:
                    n = await self.run_once(delivery)
                except Exception:  # keep the loop alive across database hiccups
                    log.exception("%s: batch failed", self.name)
                    n = 0
                if n == 0:
                    try:
                        await asyncio.wait_for(self._stop.wait(), self.cfg.poll_interval)
                    except asyncio.TimeoutError:
                        pass

    async def run_once(self, delivery: RasaDelivery) -> int:
        now = time.monotonic()
        if now >= self._next_reminder_check:
            # Due reminders become outbox rows (dates, so a check a minute is plenty).
            self._next_reminder_check = now + self.cfg.reminder_check_seconds
            await asyncio.to_thread(self.store.queue_due_reminders)
        rows = await asyncio.to_thread(self.store.claim, self.cfg.batch_size, self.cfg.lease_seconds)
        if not rows:
            return 0
        sem = asyncio.Semaphore(self.cfg.concurrency)

        async def one(row: Claimed) -> None:
            async with sem:
                await self._deliver(delivery, row)

        await asyncio.gather(*(one(r) for r in rows))
        return len(rows)

    async def _deliver(self, delivery: RasaDelivery, row: Claimed) -> None:
        if row.channel == "viber" and not self.cfg.viber_notify:
            await asyncio.to_thread(
                self.store.mark_failed,
                row.id,
                row.token,
                "Viber notifications are off (VIBER_NOTIFY=0)",
                0,
                self.cfg.base_backoff,
            )
            log.info("%s: outbox %s not sent: VIBER_NOTIFY=0", self.name, row.id)
            return
        try:
            if row.uncertain and await delivery.already_delivered(row):
                log.info("%s: outbox %s was already delivered, marking sent", self.name, row.id)
            else:
                await self.bucket.acquire()
                await delivery.send(row)
                self.sent += 1
        except RetryLater as exc:
            if not exc.per_chat:
                self.bucket.pause(exc.seconds)
            log.warning(
                "%s: channel asks to wait %.1fs%s", self.name, exc.seconds, " for this chat" if exc.per_chat else ""
            )
            await asyncio.to_thread(self.store.postpone, row.id, row.token, exc.seconds, str(exc))
            return
        except (DeliveryError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            state = await asyncio.to_thread(
                self.store.mark_failed,
                row.id,
                row.token,
                f"{type(exc).__name__}: {exc}",
                self.cfg.max_attempts,
                self.cfg.base_backoff,
            )
            log.warning("%s: outbox %s failed (%s), now %s", self.name, row.id, exc, state)
            return
        ok = await asyncio.to_thread(self.store.mark_sent, row.id, row.token)
        if ok:
            log.info("%s: sent outbox %s (attempt %d)", self.name, row.id, row.attempts)
        else:
            log.warning("%s: outbox %s claim was lost before marking sent", self.name, row.id)
