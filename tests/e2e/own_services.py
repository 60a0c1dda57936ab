"""Redis and PostgreSQL servers of a test's own, on loopback ports, for tests that stop and
start them mid-stream: the machine's own servers are shared with the rest of the suite, so
they are never restarted. Each is skipped, saying what is missing, where its binaries are not
installed."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.e2e.hosted_stack import free_ports

START_TIMEOUT_S = 30.0


def _wait_until(
    answers: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers():
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        assert time.monotonic() < deadline, f"{what} did not answer in {START_TIMEOUT_S:g} s"
        time.sleep(0.05)  # polling a condition: the server is starting


class RedisServer:
    """A Redis without persistence (as the machine's): stopped and started again, it comes
    back empty, as a restarted production Redis without a disk would."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_until(self._answers, self._process, self._log, "redis-server")

    def stop(self) -> None:
        """Stop it (SIGKILL: what a crash or a restart without a clean save looks like)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server(state_dir: Path) -> Iterator[RedisServer]:
    """A Redis of the test's own (skipped where Debian's redis-server is not installed)."""
    if shutil.which("redis-server") is None:
        pytest.skip("this test restarts Redis: it needs Debian's redis-server")
    server = RedisServer(free_ports(1), state_dir / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class PostgresServer:
    """A PostgreSQL cluster in a folder of its own, trusting loopback connections. ``stop``
    is an immediate shutdown (every session is cut, no shutdown checkpoint), so ``start``
    goes through crash recovery, as after a crash or a hurried restart."""

    def __init__(self, bin_dir: Path, data_dir: Path, port: int, log: Path) -> None:
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._bin_dir = bin_dir
        self._data_dir = data_dir
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def create(self) -> None:
        """Make the cluster (initdb), owned by the user the server runs as."""
        command = [str(self._bin_dir / "initdb"), "--pgdata", str(self._data_dir)]
        command += ["--username", "postgres", "--auth", "trust", "--encoding", "UTF8"]
        command += ["--locale", "C", "--no-sync"]
        with self._log.open("ab") as log:
            subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, check=True, user=_server_user()
            )

    def start(self) -> None:
        """Start it and wait until it takes connections."""
        command = [str(self._bin_dir / "postgres"), "-D", str(self._data_dir)]
        command += ["-p", str(self.port), "-c", "listen_addresses=127.0.0.1"]
        command += ["-c", "unix_socket_directories=", "-c", "fsync=off"]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, user=_server_user()
            )
        _wait_until(self._answers, self._process, self._log, "postgres")

    def stop(self) -> None:
        """Shut it down at once (SIGQUIT: the immediate mode) and wait until it has exited."""
        if self._process is not None:
            self._process.send_signal(signal.SIGQUIT)
            self._process.wait(timeout=60)
            self._process = None

    def _answers(self) -> bool:
        try:
            psycopg.connect(self.url, connect_timeout=1).close()
        except psycopg.OperationalError:
            return False
        return True


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, it runs as the ``postgres`` user."""
    return "postgres" if os.geteuid() == 0 else None


def _postgres_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).parent
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(installed[-1]).parent if installed else None


@contextmanager
def postgres_server(state_dir: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of the test's own, removed afterwards (skipped where the server's
    binaries, or as root the ``postgres`` user, are missing)."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "postgres").exists():
        pytest.skip("this test restarts PostgreSQL: it needs Debian's postgresql (initdb)")
    user = _server_user()
    if user is not None:
        try:
            owner = pwd.getpwnam(user)
        except KeyError:
            pytest.skip("this test runs PostgreSQL as root's stand-in: it needs a postgres user")
    # Not under pytest's tmp folder: that is private to this user, and the server may be another.
    data_dir = Path(tempfile.mkdtemp(prefix="nt-pg-"))
    if user is not None:
        os.chown(data_dir, owner.pw_uid, owner.pw_gid)
    server = PostgresServer(bin_dir, data_dir, free_ports(1), state_dir / "postgres.log")
    try:
        server.create()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
