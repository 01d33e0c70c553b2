"""One harness for the tests that start real processes: the action server, Rasa, the tracking service, fake APIs.

Ports, readiness, logs and a clean kill live here; the suites (tests/e2e/rasa_stack.py, tests/telegram/servers.py,
tests/tracking/stack.py and the suites built on them) only say which channels and settings they need.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
RASA = str(VENV_BIN / "rasa")
# Rasa with the project's start-up checks and the API token from RASA_AUTH_TOKEN (never on the command line of ps).
RASA_RUN = [sys.executable, str(ROOT / "scripts" / "rasa_run.py")]


# --- HTTP and readiness -------------------------------------------------------------------------------------------


def http(
    method: str, url: str, body: Any = None, headers: Optional[Dict[str, str]] = None, timeout: float = 60.0
) -> tuple[int, Any]:
    """(status, parsed JSON or text); HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw, status = res.read(), res.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    proc: Optional[subprocess.Popen] = None,
    log: Optional[Path] = None,
) -> None:
    """Polls `check` until it is true; fails at once, with the log's tail, when the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what}: process exited with {proc.returncode}\n{tail}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout}s\n{tail}")


def wait_for(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    """Waits until `url` answers with anything below 500."""
    wait_until(lambda: http("GET", url, timeout=2)[0] < 500, timeout, url, process, log)


def wait_port(host: str, port: int, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    def open_() -> bool:
        with socket.create_connection((host, port), timeout=1):
            return True

    wait_until(open_, timeout, f"{host}:{port}", proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- processes ----------------------------------------------------------------------------------------------------


def spawn(args: List[str], env: Dict[str, str], log: Path, append: bool = False) -> subprocess.Popen:
    """A child in its own process group (so kill() takes its children too), output into `log`."""
    with open(log, "ab" if append else "wb") as handle:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill(proc: Optional[subprocess.Popen], sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stops one process we started (its own group only); SIGKILL when it does not stop in time."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class Managed:
    """A started process with its log; stop() always kills it."""

    def __init__(self, args: List[str], env: Dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = spawn(args, env, log)

    def terminate(self, timeout: float = 20.0) -> Optional[int]:
        """SIGTERM to the process only, then wait; the exit code, or None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill(self.proc, signal.SIGKILL)
                return None
        return self.proc.returncode

    def stop(self) -> None:
        kill(self.proc, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def base_env(**overrides: str) -> Dict[str, str]:
    """The environment of a started process: no channel tokens or Redis from the caller's shell, 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIBER_")) and k != "REDIS_URL"}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
        SANIC_HOST="127.0.0.1",
    )
    env.update(overrides)
    return env


def find_model() -> str:
    """The model the suites run: $TEST_MODEL, else the newest models/*.tar.gz (`make test` trains it first)."""
    if os.environ.get("TEST_MODEL"):
        return os.environ["TEST_MODEL"]
    models = sorted(glob.glob(str(ROOT / "models" / "*.tar.gz")), key=os.path.getmtime)
    if not models:
        raise RuntimeError("no trained model in models/ (run `make train`)")
    return models[-1]


# --- the assistant's servers --------------------------------------------------------------------------------------


def write_rasa_files(
    tmp: Path, name: str, credentials: str, action_port: int, tracker_db: Optional[Path] = None
) -> tuple[Path, Path]:
    """credentials-<name>.yml and endpoints-<name>.yml for one Rasa server."""
    creds = tmp / f"credentials-{name}.yml"
    creds.write_text(credentials, encoding="utf-8")
    endpoints = tmp / f"endpoints-{name}.yml"
    text = f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
    if tracker_db is not None:
        text += f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
    endpoints.write_text(text, encoding="utf-8")
    return creds, endpoints


def action_server_args(port: int) -> List[str]:
    return [RASA, "run", "actions", "--actions", "actions", "--port", str(port)]


def start_action_server(tmp: Path, port: int, env: Optional[Dict[str, str]] = None, name: str = "actions") -> Managed:
    server = Managed(action_server_args(port), env or base_env(), tmp / f"{name}.log")
    try:
        wait_until(
            lambda: http("GET", f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200,
            120,
            "action server",
            server.proc,
            server.log,
        )
    except Exception:
        server.stop()
        raise
    return server


def rasa_args(model: str, port: int, credentials: Path, endpoints: Path | str, token: Optional[str]) -> List[str]:
    """With a token: scripts/rasa_run.py (the API needs it); without: plain `rasa run` (channel-only tests)."""
    runner = RASA_RUN if token else [RASA, "run"]
    return [
        *runner,
        "--enable-api",
        "--model",
        str(model),
        "--credentials",
        str(credentials),
        "--endpoints",
        str(endpoints),
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
    ]


def start_rasa(
    model: str,
    tmp: Path,
    port: int,
    credentials: Path,
    endpoints: Path | str,
    env: Optional[Dict[str, str]] = None,
    name: str = "rasa",
    token: Optional[str] = None,
    wait: bool = True,
) -> Managed:
    env = dict(env or base_env())
    if token:
        env["RASA_AUTH_TOKEN"] = token
    server = Managed(rasa_args(model, port, credentials, endpoints, token), env, tmp / f"{name}.log")
    if wait:
        wait_for_rasa(server, port, token)
    return server


def wait_for_rasa(server: Managed, port: int, token: Optional[str] = None, timeout: float = 300) -> None:
    """Until the model is loaded (/status answers before it is)."""
    query = f"?token={token}" if token else ""

    def ready() -> bool:
        status, body = http("GET", f"http://127.0.0.1:{port}/status{query}", timeout=2)
        return status == 200 and isinstance(body, dict) and bool(body.get("model_file"))

    try:
        wait_until(ready, timeout, "rasa server", server.proc, server.log)
    except Exception:
        server.stop()
        raise


# --- Redis --------------------------------------------------------------------------------------------------------


def redis_server(workdir: Path, port: int, db: int, what: str, password: Optional[str] = None) -> Iterator[str]:
    """A Redis URL for a fixture (`yield from redis_server(...)`): TEST_REDIS_URL as given (CI's redis-server),
    else a private redis-server on 127.0.0.1:`port` (database `db`) that is stopped after the last test.

    No redis-server, or a Redis that does not answer: the tests skip, saying `what` is NOT run;
    with REQUIRE_REDIS=1 (CI) they fail instead.
    """
    import pytest
    import redis

    def missing(reason: str) -> None:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(f"{reason}; {what} NOT run")

    proc = None
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        binary = shutil.which("redis-server")
        if not binary:
            missing("redis-server is not installed")
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--requirepass", password] if password else []
        proc = spawn(args + ["--dir", str(workdir)], dict(os.environ), workdir / "redis.log")
        auth = f":{password}@" if password else ""
        url = f"redis://{auth}127.0.0.1:{port}/{db}"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError as exc:
                if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
                    missing(f"Redis at 127.0.0.1:{port if proc else '(TEST_REDIS_URL)'} is not reachable ({exc})")
                time.sleep(0.2)
        client.close()
        yield url
    finally:
        kill(proc)
