"""Which origins and host names are the app's own: everything else is refused (README: Security).

Browsers let any page send requests and open websockets to a loopback server, and DNS
rebinding lets a page on the open internet reach one under its own host name, so neither the
loopback bind nor CORS is a boundary: the ``Origin`` and ``Host`` of every request are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from neural_terminal.settings import LOOPBACK_HOSTS, Settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url`` as a browser writes it in ``Origin``, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without its port: ``[::1]:3000`` -> ``::1``."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class AccessPolicy:
    """The app's own origins (``Origin`` values it accepts) and host names (``Host``)."""

    origins: frozenset[str]
    hosts: frozenset[str]

    def allows_origin(self, origin: str) -> bool:
        """True for one of the app's own origins (never ``null``)."""
        normalised = origin_of(origin)
        return normalised is not None and normalised in self.origins

    def allows_host(self, host_header: str) -> bool:
        """True when the ``Host`` names this server (not a rebound attacker's domain)."""
        return host_name(host_header) in self.hosts

    def connect_sources(self) -> tuple[str, ...]:
        """The origins the page may connect to, with their websocket forms (for the CSP).

        CSP has no syntax for IPv6 literals; a page served from one reaches itself as 'self'.
        """
        sources: list[str] = []
        for origin in sorted(self.origins):
            if "[" in origin:
                continue
            sources.append(origin)
            sources.append("ws" + origin.removeprefix("http"))
        return tuple(sources)


def access_policy(settings: Settings, *, ports: Iterable[int]) -> AccessPolicy:
    """The policy for a server on ``ports``: its loopback origins plus the configured ones."""
    origins: set[str] = set()
    for port in ports:
        origins.update(f"http://{host}:{port}" for host in ("localhost", "127.0.0.1", "[::1]"))
    # Not settings.app_url: its default names port 3000, which may be another app's.
    for url in settings.allowed_origins:
        origin = origin_of(url)
        if origin is not None:
            origins.add(origin)
    hosts = set(LOOPBACK_HOSTS)
    hosts.update(host_name(urlsplit(origin).netloc) for origin in origins)
    bind = settings.bind_host.strip("[]").lower()
    if bind not in WILDCARD_BINDS:
        hosts.add(bind)
    return AccessPolicy(origins=frozenset(origins), hosts=frozenset(hosts))
