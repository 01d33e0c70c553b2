"""A fake Viber REST Bot API on 127.0.0.1 for offline tests.

It answers `POST /pa/set_webhook` and `POST /pa/send_message` like Viber (HTTP 200 with a `status`
number), checks the `X-Viber-Auth-Token` header, records every call, and can answer matching calls
with another status (e.g. 12 "Too many requests"). Like Viber, set_webhook first sends a signed
`webhook` callback to the URL and succeeds only if it gets 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

TOKEN = "4a5f0c1b2d3e4f50-9a8b7c6d5e4f3a2b-1c2d3e4f5a6b7c8d"


def sign(body: bytes, token: str = TOKEN) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Call:
    method: str
    body: Dict[str, Any]
    at: float
    status: int = -1  # Viber status of the answer (0 ok)


@dataclass
class _Failure:
    method: str
    match: Callable[[Dict[str, Any]], bool]
    status: int
    message: str
    remaining: int


@dataclass
class FakeViberApi:
    port: int
    token: str = TOKEN
    calls: List[Call] = field(default_factory=list)
    webhook_checks: List[int] = field(default_factory=list)  # HTTP status our webhook answered

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: List[_Failure] = []
        self._server: Optional[ThreadingHTTPServer] = None
        self._next_token = 5_000_000_000_000_000_000

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pa"

    def start(self) -> "FakeViberApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

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
            self._failures.clear()
            self.webhook_checks.clear()

    def fail(
        self, method: str, match: Callable[[Dict[str, Any]], bool], status: int, message: str, times: int = 10**9
    ) -> None:
        with self._lock:
            self._failures.append(_Failure(method, match, status, message, times))

    def sent_to(self, receiver: str, ok_only: bool = True) -> List[Call]:
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == "send_message" and c.body.get("receiver") == receiver and (c.status == 0 or not ok_only)
        ]

    def wait_sent(self, receiver: str, count: int = 1, timeout: float = 60.0) -> List[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent_to(receiver)
            if len(found) >= count:
                return found
            with self._lock:
                self._lock.wait(0.05)
        raise AssertionError(f"expected {count} messages to {receiver}, got {[c.body for c in self.sent_to(receiver)]}")

    def wait_for(self, method: str, timeout: float = 60.0) -> List[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [c for c in self.calls if c.method == method and c.status >= 0]
                if found:
                    return found
                self._lock.wait(0.05)
        raise AssertionError(f"no {method} call")

    # ---- HTTP ------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        method = req.path.split("?", 1)[0].rsplit("/", 1)[-1]
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        call = Call(method, body if isinstance(body, dict) else {}, time.time())
        with self._lock:
            self.calls.append(call)
        if req.headers.get("X-Viber-Auth-Token") != self.token:
            answer: Dict[str, Any] = {"status": 2, "status_message": "invalidAuthToken"}
        else:
            answer = self._dispatch(method, call.body, len(raw))
        with self._lock:
            call.status = int(answer.get("status", -1))
            self._lock.notify_all()
        data = json.dumps(answer).encode()
        req.send_response(200)  # Viber answers 200 and puts the outcome in `status`
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _dispatch(self, method: str, body: Dict[str, Any], size: int) -> Dict[str, Any]:
        with self._lock:
            for failure in self._failures:
                if failure.method == method and failure.remaining > 0 and failure.match(body):
                    failure.remaining -= 1
                    return {
                        "status": failure.status,
                        "status_message": failure.message,
                        "message_token": self._token(),
                        "chat_hostname": "SN-CHAT-01_",
                    }
        if method == "set_webhook":
            return self._set_webhook(body)
        if method == "send_message":
            problem = _check_message(body, size)
            if problem:
                return {"status": 3, "status_message": problem}
            return {
                "status": 0,
                "status_message": "ok",
                "message_token": self._token(),
                "chat_hostname": "SN-CHAT-01_",
                "billing_status": 1,
            }
        return {"status": 3, "status_message": f"unknown method {method}"}

    def _token(self) -> int:
        with self._lock:
            self._next_token += 1
            return self._next_token

    def _set_webhook(self, body: Dict[str, Any]) -> Dict[str, Any]:
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith("http"):
            return {"status": 1, "status_message": "invalidUrl"}
        check = json.dumps(
            {
                "event": "webhook",
                "timestamp": int(time.time() * 1000),
                "chat_hostname": "SN-376_",
                "message_token": self._token(),
            }
        ).encode()
        request = urllib.request.Request(
            url,
            data=check,
            method="POST",
            headers={"Content-Type": "application/json", "X-Viber-Content-Signature": sign(check, self.token)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as res:
                status = res.status
        except urllib.error.HTTPError as err:
            status = err.code
        except OSError:
            status = 0
        with self._lock:
            self.webhook_checks.append(status)
        if status != 200:
            return {"status": 1, "status_message": "invalidUrl"}
        return {"status": 0, "status_message": "ok", "event_types": body.get("event_types") or []}


def _check_message(body: Dict[str, Any], size: int) -> str:
    """The parts of Viber's validation the channel must respect."""
    if not body.get("receiver"):
        return "receiver missing"
    name = (body.get("sender") or {}).get("name")
    if not name or len(name) > 28:
        return "sender.name missing or longer than 28 characters"
    if body.get("type") == "text" and (not body.get("text") or len(body["text"]) > 7000):
        return "text missing or longer than 7000 characters"
    if size > 30 * 1024:
        return "message larger than 30 KB"
    if len(str(body.get("tracking_data") or "")) > 4000:
        return "tracking_data longer than 4000 characters"
    kb = body.get("keyboard")
    if kb is not None:
        buttons = kb.get("Buttons")
        if not isinstance(buttons, list) or not buttons:
            return "keyboard without Buttons"
        for b in buttons:
            if not 1 <= int(b.get("Columns", 6)) <= 6 or not 1 <= int(b.get("Rows", 1)) <= 2:
                return "button Columns/Rows out of range"
            if b.get("ActionType") not in ("reply", "open-url", "none"):
                return "unknown ActionType"
    return ""
