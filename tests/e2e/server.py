"""Start the real app (`reflex run --env prod`) on a free loopback port for browser tests."""

from __future__ import annotations

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

from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.migrations import upgrade_to_head

START_TIMEOUT_S = 240.0
LOOPBACK_ONLY = ("--backend-host", "127.0.0.1")


@dataclass(frozen=True)
class RunningApp:
    """A started app: where it listens, its database, and its log file."""

    url: str
    database_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the server printed (for failure messages)."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_env(port: int, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    # Reflex needs Node 22 or bun; `make` provisions bun here (also when pytest runs alone).
    env.setdefault("REFLEX_BUN_PATH", str(PROJECT_ROOT / ".tools/npm/node_modules/.bin/bun"))
    env.update(
        {
            "REFLEX_FRONTEND_PORT": str(port),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "NEURAL_TERMINAL_DATABASE_URL": database_url,
            "NEURAL_TERMINAL_SIMULATOR": "on",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@contextmanager
def running_app(workdir: Path, **extra_env: str) -> Iterator[RunningApp]:
    """Run the app until the block ends; waits until the page and the simulator answer."""
    port = free_port()
    database_url = f"sqlite:///{workdir / 'app.db'}"
    upgrade_to_head(database_url)
    log = workdir / f"app-{port}.log"
    reflex = str(Path(sys.executable).with_name("reflex"))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [reflex, "run", "--env", "prod", "--frontend-port", str(port), *LOOPBACK_ONLY],
            cwd=PROJECT_ROOT,
            env=_app_env(port, database_url, extra_env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = RunningApp(f"http://127.0.0.1:{port}", database_url, log, process)
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
            page = httpx.get(app.url + "/", timeout=2)
            models = httpx.get(app.url + "/sim/api/v1/models", timeout=2)
            if page.status_code == 200 and models.status_code == 200:
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
