"""A fake Telegram Bot API server on 127.0.0.1 for offline tests.

python-telegram-bot talks real HTTP to it (base_url = http://127.0.0.1:<port>/bot). It records
every call, answers with valid Bot API objects, serves queued updates to getUpdates (long
polling) and can answer the next matching call with 429 Too Many Requests.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs

BOT_ID = 777000111
BOT_USERNAME = "pasport_test_bot"
# Parameters PTB sends JSON-encoded; everything else stays a string.
_JSON_PARAMS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "entities",
    "caption_entities",
    "link_preview_options",
    "chat_id",
    "message_id",
    "offset",
    "timeout",
    "limit",
    "show_alert",
    "drop_pending_updates",
    "max_connections",
    "reply_parameters",
}


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    at: float
    status: int = 200
    response: Any = None


@dataclass
class _Failure:
    method: str
    match: Callable[[Dict[str, Any]], bool]
    retry_after: int
    remaining: int
    code: int = 429
    description: str = ""


@dataclass
class _Delay:
    method: str
    match: Callable[[Dict[str, Any]], bool]
    seconds: float
    remaining: int


@dataclass
class FakeBotApi:
    port: int
    token: str = "123456:TEST-token"
    calls: List[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._updates: List[Dict[str, Any]] = []
        self._failures: List[_Failure] = []
        self._delays: List[_Delay] = []
        self._next_message_id = 1000
        self._next_update_id = 5000
        self._server: Optional[ThreadingHTTPServer] = None
        self._epoch = 0

    # ---- control from tests ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> "FakeBotApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._updates.clear()
            self._failures.clear()
            self._delays.clear()
            self._epoch += 1  # ends long polls of a server from an earlier test module
            self._lock.notify_all()

    def next_update_id(self) -> int:
        with self._lock:
            self._next_update_id += 1
            return self._next_update_id

    def queue_update(self, update: Dict[str, Any]) -> None:
        """Make an update available to getUpdates (polling mode)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def fail_with_429(
        self, method: str, match: Callable[[Dict[str, Any]], bool], retry_after: int, times: int = 1
    ) -> None:
        with self._lock:
            self._failures.append(_Failure(method, match, retry_after, times))

    def fail_with(self, method: str, match: Callable[[Dict[str, Any]], bool], code: int, description: str) -> None:
        """Answer matching calls with a Bot API error, e.g. 403 «bot was blocked by the user»."""
        with self._lock:
            self._failures.append(_Failure(method, match, 0, 10**9, code, description))

    def delay(self, method: str, match: Callable[[Dict[str, Any]], bool], seconds: float, times: int = 1) -> None:
        """Carry out matching calls but answer only after `seconds`: past the client's read timeout the message
        was delivered and the client saw a timeout."""
        with self._lock:
            self._delays.append(_Delay(method, match, seconds, times))

    def find(self, method: str, **where: Any) -> List[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c for c in calls if c.method == method and all(str(c.params.get(k)) == str(v) for k, v in where.items())
        ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0, **where: Any) -> List[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.find(method, **where) if c.status == 200]
            if len(found) >= count:
                return found
            with self._lock:
                self._lock.wait(min(0.05, max(deadline - time.monotonic(), 0)))
        raise AssertionError(
            f"expected {count} successful {method} {where}, got "
            f"{[(c.method, c.status, c.params) for c in self.calls][-15:]}"
        )

    def wait_for_match(self, method: str, match: Callable[[Call], bool], timeout: float = 30.0) -> Call:
        """The first successful call of `method` that satisfies `match`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.find(method):
                if call.status == 200 and match(call):
                    return call
            with self._lock:
                self._lock.wait(min(0.05, max(deadline - time.monotonic(), 0)))
        raise AssertionError(f"no matching {method}: {[c.params for c in self.find(method)][-10:]}")

    # ---- HTTP ------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._send(req, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path[len(prefix) :]
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        params = self._parse(req.headers.get("Content-Type", ""), body)
        # recorded on arrival, so a long poll still open at reset() is not counted later
        call = Call(method, params, time.time(), status=0)
        wait = 0.0
        with self._lock:
            self.calls.append(call)
            for delay in self._delays:
                if delay.method == method and delay.remaining > 0 and delay.match(params):
                    delay.remaining -= 1
                    wait = delay.seconds
                    break
        status, payload = self._dispatch(method, params)
        if wait:
            time.sleep(wait)
        with self._lock:
            call.status, call.response = status, payload
            self._lock.notify_all()
        self._send(req, status, payload)

    @staticmethod
    def _parse(content_type: str, body: bytes) -> Dict[str, Any]:
        if not body:
            return {}
        if "application/json" in content_type:
            return json.loads(body)
        if "multipart/form-data" in content_type:
            # Only file uploads use multipart; tests check the method, not the bytes.
            return {"_multipart": True}
        raw = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        return {k: json.loads(v) if k in _JSON_PARAMS else v for k, v in raw.items()}

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _dispatch(self, method: str, params: Dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            for failure in self._failures:
                if failure.method == method and failure.remaining > 0 and failure.match(params):
                    failure.remaining -= 1
                    if failure.code != 429:
                        return failure.code, {
                            "ok": False,
                            "error_code": failure.code,
                            "description": failure.description,
                        }
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {failure.retry_after}",
                        "parameters": {"retry_after": failure.retry_after},
                    }
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Паспортний помічник",
                    "username": BOT_USERNAME,
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                },
            }
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            return 200, {"ok": True, "result": self._message(method, params)}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            msg = {
                "message_id": int(params.get("message_id", 0)),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": params.get("text", ""),
            }
            return 200, {"ok": True, "result": msg}
        if method in (
            "answerCallbackQuery",
            "setWebhook",
            "deleteWebhook",
            "setMyCommands",
        ):
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _message(self, method: str, params: Dict[str, Any]) -> Dict[str, Any]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat_id = int(params.get("chat_id", 0))
        msg: Dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Паспортний помічник"},
        }
        if method == "sendMessage":
            msg["text"] = params.get("text", "")
        elif method == "sendPhoto":
            msg["photo"] = [{"file_id": "p1", "file_unique_id": "p1", "width": 1, "height": 1}]
        else:
            msg["document"] = {"file_id": "d1", "file_unique_id": "d1"}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        return msg

    def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        offset = params.get("offset")
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            epoch = self._epoch
            while True:
                if epoch != self._epoch:
                    return []
                if offset is not None:
                    # confirmed updates are forgotten, as Telegram does
                    self._updates = [u for u in self._updates if u["update_id"] >= int(offset)]
                if self._updates:
                    return list(self._updates[:100])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._lock.wait(min(remaining, 0.5))
