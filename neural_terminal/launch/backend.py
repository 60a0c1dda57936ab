"""The command that serves the backend: uvicorn (compressed websocket) or Reflex's Granian.

Reflex 0.10 runs its prod backend on Granian, whose websocket (tungstenite) negotiates no
compression: every state delta and reply batch crosses the network as plain JSON. uvicorn
with the ``websockets`` library accepts ``permessage-deflate`` (RFC 7692), which browsers
offer on every websocket, with the compressor's context kept across messages, so the
repeated frame envelope of each batch costs a few bytes. We run uvicorn on the same ASGI
app that ``reflex run --env prod --backend-only`` would hand to Granian (``App()`` with
the compile skipped: the launcher has built the frontend already).

``NEURAL_TERMINAL_SERVER=granian`` keeps Reflex's own start (no compression);
``NEURAL_TERMINAL_WS_COMPRESSION=off`` keeps uvicorn without it (for a proxy that compresses,
or to measure what compression costs: bench/stream.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SERVER_ENV = "NEURAL_TERMINAL_SERVER"
SERVERS = ("uvicorn", "granian")
COMPRESSION_ENV = "NEURAL_TERMINAL_WS_COMPRESSION"
# What `reflex run` resolves the app to (`<app_name>.<app_name>:app`); calling it builds
# the ASGI app.
APP_FACTORY = "neural_terminal.neural_terminal:app"
MAX_WORKERS = 8  # reflex.utils.processes.MAX_BACKEND_WORKERS
SKIP_COMPILE_ENV = "__REFLEX_SKIP_COMPILE"  # reflex_base.environment: REFLEX_SKIP_COMPILE


@dataclass(frozen=True)
class Backend:
    """A command line and the environment it adds."""

    argv: list[str]
    env: dict[str, str]


def chosen_server(env: Mapping[str, str]) -> str:
    """``uvicorn`` unless ``NEURAL_TERMINAL_SERVER`` names another known server."""
    server = env.get(SERVER_ENV, "uvicorn").strip().lower() or "uvicorn"
    if server not in SERVERS:
        raise ValueError(f"{SERVER_ENV}={server!r}: use one of {', '.join(SERVERS)}")
    return server


def backend_command(
    server: str, *, host: str, port: int, python: Path, workers: int = 1, deflate: bool = True
) -> Backend:
    """How to serve the built app on ``host:port`` with ``server``."""
    if server == "granian":
        reflex = str(python.with_name("reflex"))
        return Backend(
            [
                *(reflex, "run", "--env", "prod", "--backend-only"),
                *("--backend-host", host, "--backend-port", str(port)),
            ],
            {},
        )
    argv = [
        *(str(python), "-m", "uvicorn", "--factory", APP_FACTORY),
        *("--host", host, "--port", str(port)),
        # websockets' sans-I/O protocol: permessage-deflate with 12-bit windows (uvicorn's
        # choice: about 64 KiB of zlib state per connection, little loss of ratio).
        *("--ws", "websockets-sansio", "--ws-per-message-deflate", "true" if deflate else "false"),
        *("--log-level", "warning", "--no-access-log"),
    ]
    if workers > 1:  # several need Redis (README: Hosting), as under Granian
        argv += ["--workers", str(workers)]
    # What `reflex run --env prod --backend-only` sets before it starts Granian: prod mode,
    # and no compile in the workers (the built site is served as it is). Reflex reads its
    # internal variables with two leading underscores; without them every worker compiled
    # the pages again at start and copied Reflex's lockfiles back into reflex.lock/, so
    # workers starting together (hosted mode, the test lanes) read them half-written.
    env = {"REFLEX_ENV_MODE": "prod", SKIP_COMPILE_ENV: "true"}
    env["REFLEX_BACKEND_HOST"] = host
    env["REFLEX_BACKEND_PORT"] = str(port)
    return Backend(argv, env)


def compression_on(env: Mapping[str, str]) -> bool:
    """Websocket compression unless ``NEURAL_TERMINAL_WS_COMPRESSION`` is ``off``."""
    return env.get(COMPRESSION_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def worker_count(env: Mapping[str, str]) -> int:
    """Workers as Reflex starts them under Granian (one without Redis, else 2 per core + 1,
    at most 8), or ``WEB_CONCURRENCY`` (uvicorn's own variable) when set."""
    if env.get("WEB_CONCURRENCY", "").strip():
        return max(1, int(env["WEB_CONCURRENCY"]))
    if not env.get("REFLEX_REDIS_URL"):
        return 1
    return min((os.cpu_count() or 1) * 2 + 1, MAX_WORKERS)
