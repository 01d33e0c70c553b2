"""Start-up, long polling and shutdown of the Telegram channel inside the Rasa server.

Only one process may call getUpdates for a bot: a second poller gets 409 Conflict from
Telegram and the two steal updates from each other. With a shared channel state (REDIS_URL),
polling replicas therefore take a lease in Redis and only its holder polls; the others wait
and take over when it stops renewing. Several replicas should use webhook mode anyway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from typing import Any, Awaitable, Callable, Optional, Set

from telegram import Bot, BotCommand
from telegram.error import BadRequest, InvalidToken

from connectors import telegram_texts as texts
from connectors.channel_state import ChannelState
from connectors.telegram_delivery import Sender
from connectors.telegram_inbound import TelegramInbound
from connectors.telegram_settings import TelegramSettings

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
POLL_LEASE = "poller"


class TelegramLifecycle:
    def __init__(
        self,
        bot: Bot,
        settings: TelegramSettings,
        sender: Sender,
        state: ChannelState,
        inbound: TelegramInbound,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.sender = sender
        self.state = state
        self.inbound = inbound
        self._startup_task: Optional[asyncio.Task] = None
        self._poll_task: Optional[asyncio.Task] = None
        self._handlers: Set[asyncio.Task] = set()
        self._offset: Optional[int] = None
        self._acknowledged: Optional[int] = None
        self._stopping = False
        self.polling = False  # True while this process holds the lease and long-polls
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # The lease outlives one long poll, so a live poller always renews it in time.
        self._lease_ttl = float(settings.poll_timeout) + 35.0

    async def start(self) -> None:
        """Called once the Rasa server runs; Telegram set-up happens in the background."""
        self._stopping = False
        self._startup_task = asyncio.create_task(self._start_up())

    async def _start_up(self) -> None:
        try:
            await self._with_retries(self.bot.initialize, "getMe")
            self.inbound.username = self.bot.username
            await self._with_retries(
                lambda: self.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS]),
                "setMyCommands",
            )
            if self.settings.webhook_url:
                await self._with_retries(
                    lambda: self.bot.set_webhook(
                        url=self.settings.webhook_url,
                        secret_token=self.settings.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES,
                    ),
                    "setWebhook",
                )
                logger.info("Telegram webhook set to %s", self.settings.webhook_url)
            else:
                self._poll_task = asyncio.create_task(self._poll_while_leader())
        except InvalidToken:
            logger.error("TELEGRAM_TOKEN was rejected by Telegram; the channel stays off")
        except BadRequest as exc:
            logger.error("Telegram refused the channel set-up (check TELEGRAM_WEBHOOK_URL): %s", exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Telegram channel set-up failed")

    async def _with_retries(self, call: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Start-up calls: keep trying (Telegram may be unreachable for a while)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self.sender.call(None, call, what, paced=False)
            except (InvalidToken, BadRequest, asyncio.CancelledError):
                raise  # configuration errors do not heal by waiting
            except Exception as exc:
                if self._stopping:
                    raise
                delay = min(2**attempt, 60)
                logger.warning("%s failed (%s), retrying in %ds", what, exc, delay)
                await asyncio.sleep(delay)

    async def _holds_lease(self) -> bool:
        try:
            return await self.state.try_lease(POLL_LEASE, self._owner, self._lease_ttl)
        except Exception as exc:  # Redis away: do not poll blind beside another replica
            logger.warning("Polling lease unavailable (%s)", exc)
            return False

    async def _poll_while_leader(self) -> None:
        waiting_logged = False
        while not self._stopping:
            if not await self._holds_lease():
                if not waiting_logged:
                    logger.info("Another process polls this bot; this one waits as a standby")
                    waiting_logged = True
                await asyncio.sleep(min(10.0, self._lease_ttl / 3))
                continue
            waiting_logged = False
            # getUpdates is refused while a webhook is set.
            await self._with_retries(self.bot.delete_webhook, "deleteWebhook")
            logger.info("Telegram long polling started")
            self.polling = True
            try:
                if await self._poll():
                    return
            finally:
                self.polling = False

    async def _poll(self) -> bool:
        """Long-poll while holding the lease; True when polling is over for good."""
        delay = 1.0
        while not self._stopping:
            if not await self._holds_lease():
                logger.warning("Lost the polling lease; standing by")
                return False
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset,
                    timeout=self.settings.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
                self._acknowledged = self._offset
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                logger.error("TELEGRAM_TOKEN was rejected by Telegram; polling stopped")
                return True
            except Exception as exc:  # network trouble, Conflict (another poller), 5xx
                logger.warning("getUpdates failed: %s; retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            for update in updates:
                self._offset = update.update_id + 1
                task = asyncio.create_task(self.inbound.process(update.to_dict()))
                self._handlers.add(task)
                task.add_done_callback(self._handlers.discard)
        return True

    async def stop(self) -> None:
        """Stop polling, let running handlers finish, confirm the offset, close HTTP."""
        self._stopping = True
        for task in (self._startup_task, self._poll_task):
            if task and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=10)
        if self._offset is not None and self._offset != self._acknowledged:
            # Confirm the handled updates so a restart does not process them again.
            try:
                await self.bot.get_updates(offset=self._offset, timeout=0, limit=1)
            except Exception as exc:
                logger.warning("Could not confirm the last Telegram updates: %s", exc)
        try:
            await self.bot.shutdown()
        except Exception:
            logger.debug("Bot shutdown failed", exc_info=True)
        try:
            await self.state.release_lease(POLL_LEASE, self._owner)  # a standby takes over now
        except Exception:
            logger.debug("Could not release the polling lease", exc_info=True)
        await self.state.close()
        logger.info("Telegram channel stopped")
