"""A backend process's name among the workers: unique per start, readable in logs."""

from __future__ import annotations

import os
import secrets
import socket


def new_worker_id() -> str:
    """``host-pid-random``: a restarted worker (same host and maybe the same pid) is new."""
    host = socket.gethostname().split(".")[0][:24] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"
