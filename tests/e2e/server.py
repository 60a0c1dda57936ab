"""Start the real app (``python -m neural_terminal.launch``, as `make run` does) for browser tests.

Apps run one after another on the session's port, so they share one frontend build in
``.cache/e2e-web/<port>`` (kept across runs: a re-run with nothing changed builds nothing).
An app started while another holds that port gets a free port and a build of its own.
"""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from neural_terminal.security import local_secret
from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.migrations import upgrade_to_head

START_TIMEOUT_S = 240.0
E2E_WEB = PROJECT_ROOT / ".cache" / "e2e-web"
# Below Linux's ephemeral range (32768-60999), so no outgoing connection can take the port
# between one app's stop and the next one's start.
SESSION_PORTS = range(20_000, 30_000)


@dataclass(frozen=True)
class RunningApp:
    """A started app: where it listens, its database, and its log file."""

    url: str
    database_url: str
    log: Path
    process: subprocess.Popen[bytes]
    token: str

    @property
    def port(self) -> int:
        """The port the app listens on."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def unlock_url(self) -> str:
        """The address `make run` prints: opening it lets the browser in (README: Security)."""
        return f"{self.url}/?token={self.token}"

    @property
    def cookies(self) -> dict[str, str]:
        """The cookie an unlocked browser holds, for requests made without the browser."""
        return {local_secret.cookie_name(self.port): local_secret.cookie_value(self.token)}

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the server printed (for failure messages)."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def e2e_share() -> tuple[int, int]:
    """``(k, n)``: this process runs the k-th of n shares of the browser test modules.

    ``make test`` runs the shares side by side (``NEURAL_TERMINAL_E2E_SHARE=k/n``); each
    share has its own port and build, so they never wait for or clobber one another.
    """
    raw = os.environ.get("NEURAL_TERMINAL_E2E_SHARE", "1/1")
    k, _, n = raw.partition("/")
    return int(k), int(n)


@functools.cache
def session_port(share: int | None = None) -> int:
    """This checkout's port for a share of the browser tests (default: this process's share):
    the same every run unless it is taken."""
    k = e2e_share()[0] if share is None else share
    digest = int(hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest(), 16)
    start = (digest + 7919 * (k - 1)) % len(SESSION_PORTS)
    for step in range(len(SESSION_PORTS)):
        port = SESSION_PORTS[(start + step) % len(SESSION_PORTS)]
        if _is_free(port):
            return port
    raise RuntimeError(f"no free port in {SESSION_PORTS}")


def _app_env(database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    # Reflex needs Node 22 or bun; `make` provisions bun here (also when pytest runs alone).
    env.setdefault("REFLEX_BUN_PATH", str(PROJECT_ROOT / ".tools/npm/node_modules/.bin/bun"))
    env.update(
        {
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "NEURAL_TERMINAL_DATABASE_URL": database_url,
            "NEURAL_TERMINAL_SIMULATOR": "on",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def build_frontend(share: int, log: Path) -> subprocess.Popen[bytes]:
    """Start building a share's frontend (``make test`` does it while ruff and mypy run).

    With the same port, workdir and settings as :func:`running_app` in that share, so its
    first app finds the build done instead of building it then.
    """
    port = session_port(share)
    command = [sys.executable, "-m", "neural_terminal.launch", "--build-only"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "--port", str(port), "--web-dir", str(E2E_WEB / str(port))],
            cwd=PROJECT_ROOT,
            env=_app_env("sqlite://", {}),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def running_app(workdir: Path, **extra_env: str) -> Iterator[RunningApp]:
    """Run the app until the block ends; waits until the page answers."""
    port = session_port()
    web_dir = E2E_WEB / str(port)
    if not _is_free(port):  # another app of this session is still serving on it
        port = free_port()
        web_dir = workdir / "web"
    database_url = f"sqlite:///{workdir / 'app.db'}"
    upgrade_to_head(database_url)
    # One per workdir: an app restarted on the same data (the crash test) lets the same
    # browser back in, as a restarted `make run` does with its per-install secret.
    token = extra_env.get("NEURAL_TERMINAL_TOKEN") or hashlib.sha256(bytes(workdir)).hexdigest()
    extra_env = {**extra_env, "NEURAL_TERMINAL_TOKEN": token}
    log = workdir / f"app-{port}.log"
    launch = [sys.executable, "-m", "neural_terminal.launch", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*launch, "--port", str(port), "--web-dir", str(web_dir)],
            cwd=PROJECT_ROOT,
            env=_app_env(database_url, extra_env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", database_url, log, process, token)
    try:
        _wait_until_serving(app)
        yield app
    finally:
        _stop(process)


def _wait_until_serving(app: RunningApp) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"the app exited with {app.process.returncode}:\n{app.log_tail()}")
        try:
            # The built site and the simulator (when it is the upstream) are mounted in the
            # same app, so the page is served once the backend answers.
            if httpx.get(app.url + "/ping", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)  # polling a condition: the server is not up yet
    raise RuntimeError(f"the app did not start in {START_TIMEOUT_S:.0f} s:\n{app.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
