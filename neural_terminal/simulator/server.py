"""Run the simulator with uvicorn on a real port: in a background thread, or standalone."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.simulator.replying.streaming import SimulatedDrop

STARTUP_SECONDS = 10.0
_SERVER_LOGGER = "uvicorn.error"


class QuietSimulatedDrops(logging.Filter):
    """Hides the server's traceback for connections broken on purpose (``drop-after-N``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for records about a :class:`SimulatedDrop`."""
        return not (record.exc_info and isinstance(record.exc_info[1], SimulatedDrop))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 picks a free port), ready for uvicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def base_url(sock: socket.socket) -> str:
    """The simulator's API base URL on ``sock``, e.g. ``http://127.0.0.1:8090/api/v1``."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/api/v1"


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server that says when it is ready to accept connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as usual, then signal :attr:`ready`."""
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def running_simulator(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tokens_per_second: float = 40.0,
    tiktoken_cache_dir: Path | None = None,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
    key_limit_usd: Decimal | None = None,
) -> Iterator[str]:
    """Serve a fresh simulator in a background thread; yields its base URL, stops on exit.

    ``wrap`` puts middleware around it (tests count the requests an app sends upstream);
    ``key_limit_usd`` is its key's spending limit.
    """
    app: ASGIApp = create_simulator_app(
        tokens_per_second=tokens_per_second,
        tiktoken_cache_dir=tiktoken_cache_dir,
        key_limit_usd=key_limit_usd,
    )
    config = uvicorn.Config(
        wrap(app) if wrap else app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = _ThreadedServer(config)
    sock = bind_socket(host, port)
    quiet = QuietSimulatedDrops()
    logging.getLogger(_SERVER_LOGGER).addFilter(quiet)

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            server.ready.set()  # a failed start must not leave the caller waiting

    thread = threading.Thread(target=serve, name="neural-terminal-simulator", daemon=True)
    thread.start()
    try:
        if not server.ready.wait(STARTUP_SECONDS) or not server.started:
            raise RuntimeError("the simulator did not start")
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        sock.close()
        logging.getLogger(_SERVER_LOGGER).removeFilter(quiet)
