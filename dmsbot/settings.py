"""Every setting of the assistant, read from the environment in this one place.

Each process (Rasa server with our channels, action server, tracking service, CLI) calls `settings()`; tests pass
their own mapping. The README's configuration table lists every entry of SETTINGS (a test checks it), and
`dmsbot config` prints the values in effect with secrets hidden.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    default: Optional[str]
    meaning: str  # one line, shown in the README and by `dmsbot config`
    kind: str = "str"  # str, int, float, bool
    secret: bool = False
    production_required: bool = False

    @property
    def attr(self) -> str:
        return self.name.lower()

    def parse(self, raw: Optional[str]) -> Any:
        value = raw if raw not in (None, "") else self.default
        if value is None:
            return None
        try:
            if self.kind == "int":
                return int(value)
            if self.kind == "float":
                return float(value)
        except ValueError as err:
            raise SettingsError(f"{self.name}={value!r} is not a valid {self.kind} ({self.meaning})") from err
        if self.kind == "bool":
            return str(value).strip().lower() in {"1", "true", "yes", "on"}
        return str(value)


class SettingsError(ValueError):
    pass


SETTINGS: Tuple[Setting, ...] = (
    # general
    Setting("DMSBOT_ENV", "development", "`production` makes the secret settings below required at start-up"),
    Setting("DMSBOT_TODAY", None, "pins the bot's day (YYYY-MM-DD) for demos and tests; default: today in Europe/Kyiv"),
    Setting("DMSBOT_KB_DIR", None, "knowledge base folder; default `kb/` of the project"),
    Setting("LOG_LEVEL", "INFO", "log level of the tracking service"),
    Setting("FORCE_TRAIN", None, "any value makes `make train` train even when its inputs are unchanged"),
    Setting("DMSBOT_VAR_DIR", None, "folder for generated secrets, logs and the SQLite files; default `var/`"),
    Setting("DMSBOT_FAQ_RETRIEVAL", "on", "`off` switches FAQ retrieval off in the NLU (for the retrieval benchmark)"),
    Setting(
        "DMSBOT_RASA_SPEEDUPS", "1", "`0` turns off the project's patch that checks Rasa's action schema once", "bool"
    ),
    # Rasa and the action server
    Setting("RASA_PORT", "5005", "port of the Rasa server (`make run`)", "int"),
    Setting("ACTION_PORT", "5055", "port of the action server (`make run`)", "int"),
    Setting("RASA_INTERFACE", "127.0.0.1", "address the Rasa server listens on"),
    Setting("ACTION_INTERFACE", "127.0.0.1", "address the action server listens on (`make run`)"),
    Setting("RASA_URL", "http://127.0.0.1:5005", "where the tracking service and the web chat reach Rasa"),
    Setting("RASA_TOKEN", None, "older name of RASA_AUTH_TOKEN, still read by the notifier", secret=True),
    Setting(
        "RASA_AUTH_TOKEN",
        None,
        "token of Rasa's HTTP API; `make run` generates one into var/ when unset",
        secret=True,
        production_required=True,
    ),
    # channels and hostile input
    Setting(
        "SENDER_ID_SECRET", None, "HMAC key of server-issued sender ids; default a random key kept in var/", secret=True
    ),
    Setting(
        "SENDER_ID_SECRET_FILE", None, "file that keeps the generated sender-id key; default `var/sender_id_secret`"
    ),
    Setting(
        "MAX_USER_TEXT_CHARS", "2000", "longest user message the bot reads; longer ones get a polite answer", "int"
    ),
    Setting("MAX_REQUEST_BODY_BYTES", "65536", "largest request body a webhook accepts", "int"),
    Setting("TELEGRAM_TOKEN", None, "Telegram bot token; without it the Telegram channel stays off", secret=True),
    Setting("TELEGRAM_WEBHOOK_URL", None, "public webhook URL; without it Telegram uses long polling"),
    Setting(
        "TELEGRAM_WEBHOOK_SECRET",
        None,
        "checked against `X-Telegram-Bot-Api-Secret-Token`; default derived from the token",
        secret=True,
    ),
    Setting("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot", "Bot API base URL (a local Bot API server)"),
    Setting("TELEGRAM_POLL_TIMEOUT", "25", "long-polling timeout, seconds", "int"),
    Setting("VIBER_TOKEN", None, "Viber bot token; without it the Viber channel stays off", secret=True),
    Setting("VIBER_BOT_NAME", "Паспортний помічник", "sender name on Viber messages (at most 28 characters)"),
    Setting("VIBER_WEBHOOK_URL", None, "public URL; when set the channel calls `set_webhook` at start-up"),
    Setting("VIBER_API_BASE_URL", "https://chatapi.viber.com/pa", "Viber REST API base URL"),
    Setting("VIBER_NOTIFY", "1", "`0` turns tracking notifications on Viber off (Viber charges for them)", "bool"),
    Setting("WEBCHAT_HOST", "127.0.0.1", "address the web chat listens on"),
    Setting("WEBCHAT_PORT", "8080", "port of the web chat page", "int"),
    Setting("REDIS_URL", None, "Redis for several replicas: channel state (button tokens, de-duplication, pacing)"),
    # tracking
    Setting("DATABASE_URL", None, "tracking store (SQLAlchemy URL); default `sqlite:///var/tracking.db`"),
    Setting(
        "STATUS_API_TOKEN",
        None,
        "bearer token of `POST /api/v1/status`; `make run` generates one into var/ when unset",
        secret=True,
        production_required=True,
    ),
    Setting(
        "TRACKING_HASH_KEY",
        None,
        "key of the document-number hash in the tracking store",
        secret=True,
        production_required=True,
    ),
    Setting("TRACKING_API_HOST", "127.0.0.1", "address of the status API"),
    Setting("TRACKING_API_PORT", "5080", "port of the status API", "int"),
    Setting(
        "TRACKING_LOOKUPS_PER_HOUR", "10", "status lookups per chat per hour (per source: three times as many)", "int"
    ),
    Setting(
        "TRACKING_DISTINCT_PER_DAY",
        "3",
        "different documents one chat may look up per day (per source: three times as many)",
        "int",
    ),
    Setting("NOTIFIER_WORKERS", "1", "notifier loops in `dmsbot serve`", "int"),
    Setting("NOTIFIER_BATCH", "50", "outbox rows a notifier claims at once", "int"),
    Setting("NOTIFIER_CONCURRENCY", "8", "deliveries in flight per notifier", "int"),
    Setting("NOTIFIER_MAX_ATTEMPTS", "8", "attempts before a notification is dead-lettered", "int"),
    Setting("NOTIFIER_RATE_PER_SEC", "25", "notifications per second a notifier sends at most", "float"),
    Setting("NOTIFIER_POLL_SECONDS", "0.5", "how often an idle notifier looks at the outbox", "float"),
    Setting(
        "NOTIFIER_TIMEOUT_SECONDS", "20", "how long one delivery may take before it counts as maybe delivered", "float"
    ),
    Setting("NOTIFIER_LEASE_SECONDS", "60", "how long a claimed outbox row stays with one notifier", "float"),
    Setting("NOTIFIER_BACKOFF_SECONDS", "2", "first retry delay; it doubles with each attempt", "float"),
    Setting("NOTIFIER_REMINDER_CHECK_SECONDS", "60", "how often due expiry reminders are queued", "float"),
    Setting("NOTIFIER_REST_CHANNEL", "callback", "output channel for subscribers who came over REST"),
    Setting("NOTIFIER_RASA_ENDPOINT", "auto", "`auto`, `notifier` (our delivery channel) or `trigger_intent`"),
    Setting(
        "NOTIFIER_CLAIM_LEASE_SECONDS",
        "60",
        "Rasa side: after this a delivery's unfinished claim may be taken over",
        "float",
    ),
    Setting("NOTIFIER_CLAIM_TTL_DAYS", "7", "Rasa side: how long a notification key's claim is kept", "float"),
    Setting("DEMO_SIMULATOR", "0", "`1` moves demo applications through the stages (`make run` sets it)", "bool"),
    Setting("DEMO_SIMULATOR_INTERVAL", "60", "seconds between simulated stage changes", "float"),
)

_BY_NAME: Dict[str, Setting] = {s.name: s for s in SETTINGS}


class Settings:
    """The values in effect; attribute names are the variables in lower case (`settings().database_url`)."""

    def __init__(self, environ: Optional[Mapping[str, str]] = None) -> None:
        env = os.environ if environ is None else environ
        self._values: Dict[str, Any] = {s.attr: s.parse(env.get(s.name)) for s in SETTINGS}
        self._given: Dict[str, str] = {s.name: env[s.name] for s in SETTINGS if env.get(s.name)}

    def __getattr__(self, attr: str) -> Any:
        try:
            return self.__dict__["_values"][attr]
        except KeyError:
            raise AttributeError(f"no setting {attr.upper()} in dmsbot/settings.py") from None

    def given(self, name: str) -> Optional[str]:
        """The raw value when the environment sets `name` (not empty), else None: for channels whose
        credentials.yml fills in before the default."""
        return self._given.get(name)

    @property
    def production(self) -> bool:
        return str(self.dmsbot_env).lower() == "production"

    def missing_for_production(self) -> List[str]:
        return [s.name for s in SETTINGS if s.production_required and not self._values[s.attr]]

    def check_production(self) -> None:
        """In production every secret must be set: fail at start-up with a clear message, never run open."""
        missing = self.missing_for_production() if self.production else []
        if missing:
            raise SettingsError(
                "DMSBOT_ENV=production needs " + ", ".join(missing) + " (see the README's configuration table)"
            )

    def describe(self) -> List[Tuple[str, str, str]]:
        """(name, value with secrets hidden, meaning) for `dmsbot config`."""
        rows = []
        for s in SETTINGS:
            value = self._values[s.attr]
            shown = "—" if value is None else ("***" if s.secret else str(value))
            rows.append((s.name, shown, s.meaning))
        return rows


def settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    return Settings(environ)


def setting(name: str) -> Setting:
    return _BY_NAME[name]
