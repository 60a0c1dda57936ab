"""Local mode's per-install secret, and the cookie a browser holds once it has shown it.

As Jupyter does: ``make run`` prints the app's URL with ``?token=<secret>``; opening it sets
an HttpOnly, SameSite=Strict cookie and drops the token from the address bar. Another user or
process on the machine, or a page in the browser, cannot drive the app without the secret.
The cookie holds an HMAC of the secret, never the secret itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from neural_terminal.settings import Settings

COOKIE_PURPOSE = b"neural-terminal local session v1"


def load_or_create(path: Path) -> str:
    """The secret stored at ``path``, made (random, readable by this user only) on first use."""
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    # O_EXCL: two processes starting at once agree on whichever wrote first.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    return secret


def install_secret(settings: Settings) -> str:
    """This install's secret: ``NEURAL_TERMINAL_TOKEN``, else the one kept in its file."""
    return settings.local_token or load_or_create(settings.token_file)


def cookie_name(port: int) -> str:
    """One cookie per port: cookies do not isolate ports, so two servers must not share one."""
    return f"nt_local_{port}"


def cookie_value(secret: str) -> str:
    """What the cookie holds: derived from the secret, so the cookie never reveals it."""
    return hmac.new(secret.encode(), COOKIE_PURPOSE, hashlib.sha256).hexdigest()


def matches(candidate: str, expected: str) -> bool:
    """Constant-time comparison (a timing difference must not leak the secret)."""
    return hmac.compare_digest(candidate.encode(), expected.encode())
