"""The hosted stack for browser tests: ``python -m neural_terminal.launch.hosted`` (nginx, two
workers) on a PostgreSQL database and a Redis key prefix of its own, or a skip that says what
this machine lacks."""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from neural_terminal.settings import PROJECT_ROOT
from tests.e2e.server import START_TIMEOUT_S, _app_env, _is_free

POSTGRES_ENV = "NEURAL_TERMINAL_TEST_POSTGRES_URL"
REDIS_URL = os.environ.get("NEURAL_TERMINAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class HostedStack:
    """A running stack: its public URL, database, log folder and state file."""

    url: str
    database_url: str
    state_dir: Path
    process: subprocess.Popen[bytes]

    def workers(self) -> dict[int, int]:
        """Each worker's port and pid, as the supervisor wrote them last."""
        state = json.loads((self.state_dir / "stack.json").read_text())
        return {int(port): int(pid) for port, pid in state["workers"].items()}

    def nginx_pids(self) -> list[int]:
        """nginx's master and worker processes."""
        pid_file = self.state_dir / "nginx" / "nginx.pid"
        if not pid_file.exists():
            return []
        master = int(pid_file.read_text())
        children = Path(f"/proc/{master}/task/{master}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [master, *workers]

    def log_tail(self, lines: int = 40) -> str:
        """The end of every worker's log, for failure messages."""
        parts = []
        for log in sorted((self.state_dir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def _needs() -> str | None:
    """Why the stack cannot run here, or None."""
    if not os.environ.get(POSTGRES_ENV):
        return f"the hosted stack needs PostgreSQL: set {POSTGRES_ENV} (.ci/run does)"
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "the hosted stack needs nginx: `make nginx` installs Debian's"
    url = make_url(REDIS_URL)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 6379), timeout=2).close()
    except OSError:
        return f"the hosted stack needs Redis at {REDIS_URL}: set NEURAL_TERMINAL_TEST_REDIS_URL"
    return None


def _free_ports(count: int) -> int:
    """A port P with P ... P+count-1 free (nginx, then the workers), below Linux's ephemeral
    range (as tests/e2e/server.py's ports), so no outgoing connection takes one meanwhile."""
    for base in random.Random().sample(range(30_000, 32_700, 10), 200):
        if all(_is_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} free ports in a row")


@contextmanager
def _database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin_url = make_url(os.environ[POSTGRES_ENV])
    name = f"nt_hosted_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def hosted_stack(state_dir: Path, workers: int = 2, **extra_env: str) -> Iterator[HostedStack]:
    """Start the stack; yield once nginx and both workers answer; stop it all."""
    missing = _needs()
    if missing is not None:
        pytest.skip(missing)
    port = _free_ports(workers + 1)
    with _database() as database_url:
        env = _app_env(database_url, extra_env)
        env.update(
            {
                "REFLEX_REDIS_URL": REDIS_URL,
                "NEURAL_TERMINAL_REDIS_PREFIX": f"nt-test-{secrets.token_hex(4)}",
                "NEURAL_TERMINAL_AUTH": "accounts",
            }
        )
        command = [sys.executable, "-m", "neural_terminal.launch.hosted"]
        command += ["--port", str(port), "--workers", str(workers), "--state-dir", str(state_dir)]
        log = (state_dir / "stack.log").open("wb")
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        stack = HostedStack(f"http://127.0.0.1:{port}", database_url, state_dir, process)
        try:
            _wait_until_serving(stack)
            yield stack
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(stack: HostedStack) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            log = (stack.state_dir / "stack.log").read_text(errors="replace")
            raise RuntimeError(f"the stack exited ({stack.process.returncode}):\n{log[-3000:]}")
        if (
            (stack.state_dir / "stack.json").exists()
            and all(_answers(f"http://127.0.0.1:{port}/ping") for port in stack.workers())
            and _answers(stack.url + "/ping")
        ):
            return
        time.sleep(0.25)  # polling a condition: the workers are not up yet
    raise RuntimeError(f"the stack did not start in {START_TIMEOUT_S:.0f} s:\n{stack.log_tail()}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
