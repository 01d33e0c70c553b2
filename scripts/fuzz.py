"""Hostile requests against a running stack: REST webhook, Telegram webhook, status API (issue 9).

    python scripts/fuzz.py --start --count 10000     # starts its own stack on ports 29100-29199, then fuzzes
    python scripts/fuzz.py --count 1000              # against `make run` (tokens from env or var/)

Every request is built from raw bytes (lone surrogates, non-object and 60,000-deep JSON, megabyte bodies,
non-ASCII and oversized headers, 5,000-digit numbers, extreme dates, wrong types, garbage) and mixed with
valid messages. Prints counts per target of 2xx/4xx/5xx, crashes (a connection refused or reset — except
Sanic closing a megabyte upload after its 413, counted as `closed` — or a liveness check failing), lost replies (a valid message with no answer) and duplicated replies
(a Telegram update delivered twice answered twice). Exit status 1 unless 5xx, crashes, lost and duplicated
are all 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURROGATES = ["\\udc00", "\\ud800", "\\udfff\\ud800", "a\\udc80b"]  # JSON escapes: valid JSON, invalid text
WEIRD_TEXT = [
    "",
    " ",
    "\u0000",
    "🙂" * 50,
    "ї" * 3000,
    "9" * 5000,
    "мені " + "9" * 1990,
    "-" * 100,
    '/inform{"age": 99999999999999999999999}',
    '/inform{"doc_type": [1,2]}',
    "/no_such_intent",
    "/inform{" + '"a":' * 200,
    "\u202e\u200b\ufeff",
    "<script>alert(1)</script>",
    "КВ123456" * 100,
    "' OR 1=1 --",
    "%s%s%n",
    "\r\n\r\nHTTP/1.1 200 OK",
    "a" * 2001,
    "/restart",
    "/session_start",
]
EXTREME_DATES = [
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-13-45T99:99:99",
    "1e308",
    "",
    "2026-11-25T10:00:00+99:00",
    "+275760-09-13T00:00:00Z",
    "2026-11-25",
    "2100-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "2026-11-25T10:00:00.999999999Z",
]


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


class Result:
    def __init__(self) -> None:
        self.status: Dict[str, Counter] = defaultdict(Counter)
        self.crashes: List[str] = []
        self.lost: List[str] = []
        self.duplicated: List[str] = []
        self.samples_5xx: List[str] = []


async def send(
    port: int, method: str, path: str, body: bytes, headers: Dict[str, bytes], timeout: float
) -> Tuple[int, bytes]:
    """One HTTP/1.1 request written byte for byte; (status, body). Raises on connection problems."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        head = [
            f"{method} {path} HTTP/1.1".encode(),
            b"Host: 127.0.0.1",
            b"Connection: close",
            b"Content-Length: " + str(len(body)).encode(),
        ]
        head += [name.encode() + b": " + value for name, value in headers.items()]
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) < 2 or not line[1].isdigit():
        raise ConnectionError(f"no HTTP status line: {data[:80]!r}")
    return int(line[1]), data.split(b"\r\n\r\n", 1)[-1]


class Fuzzer:
    def __init__(self, args: argparse.Namespace, rng: random.Random) -> None:
        self.args = args
        self.rng = rng
        self.result = Result()
        self.telegram_on = True
        self.valid_rest: List[Tuple[str, bytes]] = []
        self.tg_pairs: List[Tuple[int, int]] = []  # (chat delivered twice, control chat delivered once)
        self.next_chat = 7_700_000_000 + rng.randrange(10**6) * 10
        self.next_update = rng.randrange(10**8, 2 * 10**8)

    # --- request builders: (target, port, method, path, body, headers, check) ---------------------------

    def rest(self) -> Tuple[Any, ...]:
        r = self.rng
        ctype = {"Content-Type": b"application/json"}
        kind = r.randrange(14)
        body: bytes
        check: Optional[Callable[[int, bytes], None]] = None
        if kind == 0:
            body = ('{"sender": "%s", "message": "hi"}' % r.choice(SURROGATES)).encode()
        elif kind == 1:
            body = ('{"sender": "me", "message": "%s"}' % r.choice(SURROGATES)).encode()
        elif kind == 2:
            body = r.choice([b"[]", b"[1,2]", b'"text"', b"null", b"true", b"1e999", b"{", b"", b"\xff\xfe"])
        elif kind == 3:
            body = deep(r.choice([1000, 30000, 60000]))
        elif kind == 4:
            body = json.dumps({"message": "x" * r.choice([70_000, 300_000, 1_500_000])}).encode()
        elif kind == 5:
            body = json.dumps({"sender": r.choice([1, None, [], {}, True, 1.5]), "message": "hi"}).encode()
        elif kind == 6:
            body = json.dumps({"message": r.choice([1, None, [], {"a": 1}, True])}).encode()
        elif kind == 7:
            body = json.dumps(
                {
                    "sender": "x" * r.choice([100, 10_000]),
                    "message": "привіт",
                    "metadata": {"x": "y" * 1000},
                    "input_channel": "telegram",
                }
            ).encode()
        elif kind == 8:
            ctype = {
                "Content-Type": r.choice(
                    [
                        b"text/plain",
                        b"application/x-www-form-urlencoded",
                        "application/json; charset=ї".encode(),
                        b"\xff",
                    ]
                )
            }
            body = b'{"message": "hi"}'
        else:
            # A valid message (often hostile text): must get a non-empty answer.
            text = r.choice(
                WEIRD_TEXT[1:]
                + ["Привіт", "Що треба для ID-картки?", "скільки коштує паспорт", "hello", "мені 14", "/track_document"]
            )
            body = json.dumps({"sender": "", "message": text}).encode()
            check = self.expect_reply("rest", text)
        return ("rest", self.args.rasa_port, "POST", "/webhooks/rest/webhook", body, ctype, check)

    def expect_reply(self, target: str, text: str) -> Callable[[int, bytes], None]:
        def check(status: int, body: bytes) -> None:
            if not text.strip() and status == 200:
                return
            try:
                messages = json.loads(body)
                ok = status == 200 and isinstance(messages, list) and any(m.get("text") for m in messages)
            except ValueError:
                ok = False
            if not ok:
                self.result.lost.append(f"{target}: {text[:40]!r} -> {status} {body[:120]!r}")

        return check

    def status_api(self) -> Tuple[Any, ...]:
        r = self.rng
        auth = b"Bearer " + self.args.status_token.encode()
        good = {
            "doc_type": "id_card",
            "document_number": "КВ123456",
            "stage": "submitted",
            "changed_at": "2026-11-25T10:00:00+02:00",
        }
        kind = r.randrange(10)
        headers = {"Content-Type": b"application/json", "Authorization": auth}
        if kind == 0:
            headers["Authorization"] = r.choice(
                ["Bearer токен".encode(), b"\xff\xfe", b"Bearer " + b"a" * 9000, b"Basic Zm9vOmJhcg==", b"Bearer", b""]
            )
            body = json.dumps(good).encode()
        elif kind == 1:
            body = json.dumps({**good, "changed_at": r.choice(EXTREME_DATES)}).encode()
        elif kind == 2:
            body = r.choice([b"[]", b"null", b'"x"', deep(r.choice([1000, 30000, 60000])), b"\xff", b"{"])
        elif kind == 3:
            body = json.dumps(
                {**good, "document_number": r.choice(["9" * 5000, "КВ" + "1" * 70, 5, None, [], "КВ12345\u0000"])}
            ).encode()
        elif kind == 4:
            body = (
                '{"doc_type": "id_card", "document_number": "%s", "stage": "submitted", '
                '"changed_at": "2026-11-25T10:00:00Z"}' % r.choice(SURROGATES)
            ).encode()
        elif kind == 5:
            body = json.dumps(
                {
                    **good,
                    "doc_type": r.choice([["id_card"], {"a": 1}, 5, "x" * 5000]),
                    "stage": r.choice([["arrived"], None, "x" * 100]),
                }
            ).encode()
        elif kind == 6:
            body = json.dumps({"x": "y" * r.choice([70_000, 2_000_000])}).encode()
        else:
            n = r.randrange(100000, 999999)
            body = json.dumps(
                {**good, "document_number": f"КВ{n}", "stage": r.choice(["submitted", "arrived", "issued"])}
            ).encode()
        return ("status_api", self.args.status_port, "POST", "/api/v1/status", body, headers, None)

    def telegram(self) -> Tuple[Any, ...]:
        r = self.rng
        secret = self.args.telegram_secret.encode()
        headers = {"Content-Type": b"application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        kind = r.randrange(10)
        self.next_update += 1
        chat = self.next_chat = self.next_chat + 1
        msg = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Fuzz"},
        }
        if kind == 0:
            headers["X-Telegram-Bot-Api-Secret-Token"] = r.choice(["секрет".encode(), b"\xff", b"", b"x" * 9000])
            body = json.dumps({"update_id": self.next_update, "message": {**msg, "text": "hi"}}).encode()
        elif kind == 1:
            body = r.choice([b"[]", b"null", deep(r.choice([1000, 30000, 60000])), b"\xff", b"{"])
        elif kind == 2:
            body = (
                '{"update_id": %d, "message": {"message_id": 1, "date": 1, "chat": {"id": %d, "type": '
                '"private"}, "text": "%s"}}' % (self.next_update, chat, r.choice(SURROGATES))
            ).encode()
        elif kind == 3:
            body = json.dumps(
                {
                    "update_id": r.choice(["x", None, 10**30, -1]),
                    "message": {**msg, "text": "hi"},
                    "callback_query": r.choice([None, {"id": "1", "data": "\u0000" * 70}]),
                }
            ).encode()
        elif kind == 4:
            body = json.dumps(
                {"update_id": self.next_update, "message": {**msg, "text": r.choice(WEIRD_TEXT), "chat": {"id": "x"}}}
            ).encode()
        elif kind == 5:
            body = json.dumps({"update_id": self.next_update, "x": "y" * r.choice([70_000, 2_000_000])}).encode()
        else:
            text = r.choice(["Привіт", "Що треба для ID-картки?", "hello", "мені " + "9" * 1990, "ї" * 3000])
            body = json.dumps({"update_id": self.next_update, "message": {**msg, "text": text}}).encode()
            if kind == 9:
                # Telegram redelivers an update it thinks failed: the second copy must not be answered again.
                self.tg_pairs.append((chat, chat))
                return ("telegram", self.args.rasa_port, "POST", self.args.telegram_path, body, headers, "twice")
        return ("telegram", self.args.rasa_port, "POST", self.args.telegram_path, body, headers, None)

    # --- running ---------------------------------------------------------------------------------

    async def one(self, req: Tuple[Any, ...]) -> None:
        target, port, method, path, body, headers, check = req
        repeats = 2 if check == "twice" else 1
        for _ in range(repeats):
            try:
                status, resp = await send(port, method, path, body, headers, self.args.timeout)
            except (ConnectionResetError, BrokenPipeError) as exc:
                if len(body) > 1_000_000:
                    # Sanic answers 413 and closes while a megabyte upload is still being written.
                    self.result.status[target]["closed"] += 1
                    return
                self.result.crashes.append(f"{target}: {type(exc).__name__}: {exc}"[:200])
                self.result.status[target]["error"] += 1
                return
            except (ConnectionError, OSError, asyncio.TimeoutError) as exc:
                self.result.crashes.append(f"{target}: {type(exc).__name__}: {exc}"[:200])
                self.result.status[target]["error"] += 1
                return
            self.result.status[target][f"{status // 100}xx"] += 1
            if status == 404 and target == "telegram":
                self.telegram_on = False
            if status >= 500 and len(self.result.samples_5xx) < 20:
                self.result.samples_5xx.append(f"{target} {status}: {body[:100]!r} -> {resp[:160]!r}")
            if callable(check):
                check(status, resp)

    async def alive(self) -> None:
        for name, port, path in (("rasa", self.args.rasa_port, "/"), ("status_api", self.args.status_port, "/health")):
            try:
                status, _ = await send(port, "GET", path, b"", {}, 30)
                if status != 200:
                    self.result.crashes.append(f"{name} liveness: HTTP {status}")
            except (ConnectionError, OSError, asyncio.TimeoutError) as exc:
                self.result.crashes.append(f"{name} liveness: {type(exc).__name__}")

    async def run(self) -> Result:
        targets = [t for t in self.args.targets.split(",") if t]
        makers = {"rest": self.rest, "status_api": self.status_api, "telegram": self.telegram}
        queue: asyncio.Queue = asyncio.Queue()
        for i in range(self.args.count):
            target = targets[i % len(targets)]
            if target == "telegram" and not self.telegram_on:
                target = "rest"
            queue.put_nowait(makers[target]())

        done = 0

        async def worker() -> None:
            nonlocal done
            while True:
                try:
                    req = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self.one(req)
                done += 1
                if done % 500 == 0:
                    await self.alive()
                    print(f"fuzz: {done}/{self.args.count}", flush=True)

        await asyncio.gather(*(worker() for _ in range(self.args.concurrency)))
        await self.alive()
        return self.result


def count_telegram_duplicates(fake: Any, fuzzer: Fuzzer, settle: float) -> None:
    """Every update sent twice is answered as if sent once: compare with the answers it got at all."""
    time.sleep(settle)
    per_chat = Counter(str(c.params.get("chat_id")) for c in fake.find("sendMessage"))
    for chat, _ in fuzzer.tg_pairs:
        n = per_chat.get(str(chat), 0)
        if n == 0:
            fuzzer.result.lost.append(f"telegram chat {chat}: no answer")
    # One update gets one answer turn; a second turn shows up as the same first text twice.
    texts: Dict[str, List[str]] = defaultdict(list)
    for c in fake.find("sendMessage"):
        texts[str(c.params.get("chat_id"))].append(str(c.params.get("text")))
    for chat, _ in fuzzer.tg_pairs:
        got = texts.get(str(chat), [])
        if got and got.count(got[0]) > 1:
            fuzzer.result.duplicated.append(f"telegram chat {chat}: {len(got)} messages, first repeated")


def start_stack(workdir: Path, base: int) -> Tuple[Any, Any, Any, Dict[str, Any]]:
    import subprocess

    from tests.telegram.fake_bot_api import FakeBotApi
    from tests.tracking.stack import Stack, _popen, find_model, kill  # noqa: F401
    from tracking.db import make_engine
    from tracking.store import TrackingStore

    class _Req:  # find_model's fallback: the newest models/*.tar.gz
        def getfixturevalue(self, _name: str) -> None:
            raise LookupError("no pytest here")

    fake = FakeBotApi(base + 1).start()
    secret = "fuzz-webhook-secret"
    db_url = f"sqlite:///{workdir / 'tracking.db'}"
    TrackingStore(make_engine(db_url)).engine.dispose()
    stack = Stack(
        find_model(_Req()),
        workdir,
        db_url,
        base + 5,
        base + 55,
        base + 90,
        extra_credentials="connectors.telegram.TelegramInput:\n",
        extra_env={
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/webhooks/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "STATUS_API_TOKEN": "fuzz-status-token",
            "TRACKING_API_PORT": str(base + 80),
            "LOG_LEVEL": "WARNING",
        },
    )
    stack.start()
    api = _popen([sys.executable, "-m", "dmsbot.cli", "serve", "--only", "api"], stack.env(), workdir / "tracking.log")
    from tests.harness import wait_port

    wait_port("127.0.0.1", base + 80, 60, api)
    info = {
        "rasa_port": base + 5,
        "status_port": base + 80,
        "status_token": "fuzz-status-token",
        "telegram_secret": secret,
        "rasa_token": stack.token,
    }
    del subprocess
    return stack, api, fake, info


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--seed", type=int, default=9)
    p.add_argument("--timeout", type=float, default=120, help="seconds per request")
    p.add_argument("--targets", default="rest,status_api,telegram")
    p.add_argument("--start", action="store_true", help="start a private stack (ports --base-port + ...)")
    # Below 32768: ports in the ephemeral range can be taken by outgoing connections (CI lost a bind on 40190).
    p.add_argument("--base-port", type=int, default=29100)
    p.add_argument("--rasa-port", type=int, default=5005)
    p.add_argument("--status-port", type=int, default=5080)
    p.add_argument("--telegram-path", default="/webhooks/telegram/webhook")
    p.add_argument("--status-token", default=None, help="default: STATUS_API_TOKEN or var/status_api_token")
    p.add_argument("--telegram-secret", default=os.environ.get("TELEGRAM_WEBHOOK_SECRET", ""))
    args = p.parse_args()

    stack = api = fake = None
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        if args.start:
            print(f"fuzz: starting a private stack in {workdir} ...", flush=True)
            stack, api, fake, info = start_stack(workdir, args.base_port)
            args.rasa_port, args.status_port = info["rasa_port"], info["status_port"]
            args.status_token, args.telegram_secret = info["status_token"], info["telegram_secret"]
        elif args.status_token is None:
            from tracking.config_secrets import optional_secret

            args.status_token = optional_secret("STATUS_API_TOKEN") or ""
        fuzzer = Fuzzer(args, random.Random(args.seed))
        started = time.monotonic()
        result = asyncio.run(fuzzer.run())
        elapsed = time.monotonic() - started
        if fake is not None:
            count_telegram_duplicates(fake, fuzzer, settle=5)
    finally:
        if stack is not None:
            from tests.tracking.stack import kill

            kill(api)
            stack.stop()
            fake.stop()

    total = sum(sum(c.values()) for c in result.status.values())
    print(f"\nfuzz: {total} requests in {elapsed:.0f} s (seed {args.seed}, concurrency {args.concurrency})")
    for target, counts in sorted(result.status.items()):
        print(f"  {target:11s} " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    n5 = sum(c.get("5xx", 0) for c in result.status.values())
    print(f"  5xx={n5}  crashes={len(result.crashes)}  lost={len(result.lost)}  duplicated={len(result.duplicated)}")
    if not fuzzer.telegram_on:
        print("  (Telegram webhook not enabled on this stack: its share went to REST)")
    for title, items in (
        ("5xx", result.samples_5xx),
        ("crashes", result.crashes),
        ("lost", result.lost),
        ("duplicated", result.duplicated),
    ):
        for item in items[:10]:
            print(f"  {title}: {item}")
    if stack is not None:
        logs = "".join(f.read_text(errors="replace") for f in workdir.glob("*.log"))
        leaked = [
            name
            for name, value in (
                ("Rasa token", info["rasa_token"]),
                ("status token", args.status_token),
                ("bot token", fake.token.split(":", 1)[1]),
            )
            if value and value in logs
        ]
        print(f"  secrets in logs: {leaked or 'none'}")
        if leaked:
            return 1
    return 0 if n5 == 0 and not result.crashes and not result.lost and not result.duplicated else 1


if __name__ == "__main__":
    sys.exit(main())
