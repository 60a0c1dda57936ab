"""A socket's failures as the HTTP library's exceptions: one mapping for httpcore's streams
(network.py, httpcore's types) and our own connections (own_connection.py, httpx's types)."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator


@contextlib.contextmanager
def mapped(timeout_error: type[Exception], os_error: type[Exception]) -> Iterator[None]:
    """Raise ``timeout_error`` for a timeout and ``os_error`` for a socket or TLS failure."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout_error(str(exc) or type(exc).__name__) from exc
    except (OSError, EOFError, ssl.SSLError) as exc:
        raise os_error(str(exc) or type(exc).__name__) from exc
