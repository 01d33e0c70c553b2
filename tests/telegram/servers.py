"""Start and stop the real Rasa server and action server for the Telegram tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Optional

ROOT = Path(__file__).resolve().parents[2]
RASA = str(ROOT / ".venv" / "bin" / "rasa")
RASA_PORT = 25005
ACTIONS_PORT = 25055
FAKE_API_PORT = 25081
WEBHOOK_SECRET = "test-secret_0123456789"


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            status = res.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_until(check, timeout: float, what: str, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{what} not ready after {timeout}s")


class Managed:
    """A subprocess with its output in a log file; always killed on stop()."""

    def __init__(self, args: list[str], env: Dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = open(log, "wb")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def terminate(self, timeout: float = 20.0) -> Optional[int]:
        """SIGTERM and wait; returns the exit code or None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
                self._fh.close()
                return None
        self._fh.close()
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        if not self._fh.closed:
            self._fh.close()

    def output(self) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(errors="replace")


def base_env() -> Dict[str, str]:
    # Channel settings come only from each test (REDIS_URL would switch the channel state to Redis).
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_") and k != "REDIS_URL"
    }
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_action_server(tmp: Path, port: int = ACTIONS_PORT, name: str = "actions") -> Managed:
    server = Managed(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(port)],
        base_env(),
        tmp / f"{name}.log",
    )
    try:
        wait_until(
            lambda: http("GET", f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200,
            120, "action server", server.proc,
        )
    except Exception:
        server.stop()
        raise
    return server


def start_rasa(
    model: str,
    tmp: Path,
    telegram_env: Dict[str, str],
    name: str,
    port: int = RASA_PORT,
    endpoints: Optional[str] = None,
    wait: bool = True,
) -> Managed:
    """`endpoints`: a file such as endpoints.production.yml (its ${VARIABLES} come from telegram_env)."""
    creds = tmp / f"credentials-{name}.yml"
    creds.write_text("connectors.telegram.TelegramInput:\nrest:\n")
    if endpoints is None:
        endpoints_file = tmp / f"endpoints-{name}.yml"
        endpoints_file.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{ACTIONS_PORT}/webhook"\n')
        endpoints = str(endpoints_file)
    env = base_env()
    env.update(telegram_env)
    server = Managed(
        [
            RASA, "run", "--enable-api", "--model", model, "--credentials", str(creds),
            "--endpoints", endpoints, "--port", str(port),
            "--interface", "127.0.0.1",
        ],
        env,
        tmp / f"rasa-{name}.log",
    )
    if wait:
        wait_for_rasa(server, port)
    return server


def wait_for_rasa(server: Managed, port: int = RASA_PORT, timeout: float = 300) -> None:
    def ready() -> bool:
        status, body = http("GET", f"http://127.0.0.1:{port}/status", timeout=2)
        return status == 200 and bool(body and body.get("model_file"))

    try:
        wait_until(ready, timeout, "rasa server", server.proc)
    except Exception:
        print(server.output()[-5000:])
        server.stop()
        raise
