"""The hosted stack for browser tests: ``python -m neural_terminal.launch.hosted`` (nginx, two
workers) on a PostgreSQL database and a Redis key prefix of its own, or a skip that says what
this machine lacks."""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import ColumnElement, Table, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import BudgetReservation, Message
from tests.e2e.server import START_TIMEOUT_S, _app_env, _is_free
from tests.e2e.test_chat import models_loaded, wait_enter_sends

POSTGRES_ENV = "NEURAL_TERMINAL_TEST_POSTGRES_URL"
_MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
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

    def wait_workers_answer(self) -> None:
        """Until every worker answers ``/ping``: one the supervisor started again (after a
        test killed or stopped it) is still importing for a while."""
        wait_for(
            lambda: all(_answers(f"http://127.0.0.1:{port}/ping") for port in self.workers()),
            START_TIMEOUT_S,
            f"a worker did not answer /ping (its log is in {self.state_dir / 'logs'})",
        )

    def workers_logged(self, text: str) -> bool:
        """Whether a worker's log holds ``text``."""
        logs = (self.state_dir / "logs").glob("worker-*.log")
        return any(text in log.read_text(errors="replace") for log in logs)

    def log_tail(self, lines: int = 40) -> str:
        """The end of every worker's log, for failure messages."""
        parts = []
        for log in sorted((self.state_dir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def _needs(redis_url: str, postgres_url: str | None) -> str | None:
    """Why the stack cannot run here, or None."""
    if not postgres_url:
        return f"the hosted stack needs PostgreSQL: set {POSTGRES_ENV} (.ci/run does)"
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "the hosted stack needs nginx: `make nginx` installs Debian's"
    url = make_url(redis_url)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 6379), timeout=2).close()
    except OSError:
        return f"the hosted stack needs Redis at {redis_url}: set NEURAL_TERMINAL_TEST_REDIS_URL"
    return None


def free_ports(count: int) -> int:
    """A port P with P ... P+count-1 free (nginx, then the workers), below Linux's ephemeral
    range (as tests/e2e/server.py's ports), so no outgoing connection takes one meanwhile."""
    for base in random.Random().sample(range(30_000, 32_700, 10), 200):
        if all(_is_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} free ports in a row")


@contextmanager
def _database(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``postgres_url``, dropped afterwards."""
    admin_url = make_url(postgres_url)
    name = f"nt_hosted_{secrets.token_hex(4)}"
    # No pool: a connection kept from the start would be broken by a restart of the server.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def hosted_stack(
    state_dir: Path,
    workers: int = 2,
    redis_url: str = REDIS_URL,
    postgres_url: str | None = None,
    **extra_env: str,
) -> Iterator[HostedStack]:
    """Start the stack (on the machine's PostgreSQL unless ``postgres_url`` names another
    server); yield once nginx and both workers answer; stop it all."""
    postgres_url = postgres_url or os.environ.get(POSTGRES_ENV)
    missing = _needs(redis_url, postgres_url)
    if missing is not None:
        pytest.skip(missing)
    assert postgres_url is not None
    port = free_ports(workers + 1)
    with _database(postgres_url) as database_url:
        env = _app_env(database_url, extra_env)
        env.update(
            {
                "REFLEX_REDIS_URL": redis_url,
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


def log_in(page: Page, stack: HostedStack, user: tuple[str, str]) -> None:
    """Sign in through nginx and wait until the page's websocket is connected to a worker."""
    page.goto(stack.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator('input[name="username"]').fill(user[0])
    page.locator('input[name="password"]').fill(user[1])
    page.locator('input[name="password"]').press("Enter")
    # The model list comes over the websocket: the page is connected to a worker.
    expect(models_loaded(page)).to_be_attached(timeout=60_000)
    expect(page.locator("#composer")).to_be_enabled()
    wait_enter_sends(page)


def streaming_reply(stack: HostedStack) -> Message | None:
    """The reply being streamed, as the database holds it now."""
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(Message.__table__).where(  # type: ignore[attr-defined]
                    Message.__table__.c.status == "streaming"  # type: ignore[attr-defined]
                )
            ).first()
    finally:
        engine.dispose()
    return Message(**row._mapping) if row is not None else None


def reply_row(stack: HostedStack, message_id: int) -> Message:
    """One message as the database holds it now."""
    (row,) = _messages(stack, _MESSAGES.c.id == message_id)
    return row


def messages_saying(stack: HostedStack, content: str) -> list[Message]:
    """The stored messages whose text is ``content``."""
    return _messages(stack, _MESSAGES.c.content == content)


def _messages(stack: HostedStack, where: ColumnElement[bool]) -> list[Message]:
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(_MESSAGES).where(where)).all()
    finally:
        engine.dispose()
    return [Message(**row._mapping) for row in rows]


def reservation_count(stack: HostedStack) -> int:
    """How many budget reservations are held."""
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            table = BudgetReservation.__table__  # type: ignore[attr-defined]
            return len(conn.execute(select(table)).all())
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} (not within {timeout_s:g} s)"
        time.sleep(0.1)  # polling a condition in the database


def checkpointed_reply(stack: HostedStack) -> Message:
    """The reply in progress once a checkpoint has stored some of its text, with its owner."""
    wait_for(lambda: (r := streaming_reply(stack)) is not None and r.content, 30, "checkpoint")
    streaming = streaming_reply(stack)
    assert streaming is not None
    assert streaming.id is not None
    assert streaming.stream_worker is not None
    return streaming


def owner_pid(reply: Message) -> int:
    """The pid of the worker streaming ``reply`` (worker ids read host-pid-random)."""
    assert reply.stream_worker is not None
    return int(reply.stream_worker.split("-")[-2])
