"""The security headers every response carries, and the page's Content-Security-Policy.

Reflex's prerendered pages hold a few inline scripts (React Router's hydration context, the
colour-mode restore): each is allowed by its sha256, read from the built site at start, so
no other inline script runs, whatever reaches the page. ``'unsafe-eval'`` is allowed
because Reflex runs ``rx.call_script`` payloads with ``eval``: the live reply text arrives
that way, built by the server with every model-written string a JSON literal
(ui/chat/live/live_script.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path


class _InlineScripts(HTMLParser):
    """Collects the text of every ``<script>`` without ``src``, exactly as the browser hashes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._inline = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._inline = not any(name == "src" for name, _ in attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._inline:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inline:
            self.scripts.append("".join(self._text))
            self._inline = False


def inline_script_hashes(site: Path) -> tuple[str, ...]:
    """CSP sources (``'sha256-...'``) for every inline script of the built site's pages."""
    hashes: set[str] = set()
    for page in sorted(site.rglob("*.html")):
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return tuple(sorted(hashes))


def content_security_policy(*, script_hashes: Iterable[str], connect_sources: Iterable[str]) -> str:
    """The policy: scripts only from this origin (plus the hashed ones), no framing."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes, "'unsafe-eval'"],
        # Radix and Reflex set element styles inline; styles cannot run script.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *connect_sources],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(csp: str) -> list[tuple[bytes, bytes]]:
    """Headers for every response (pages, API, refusals)."""
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        # Other origins cannot embed our responses (no-cors <script>/<img> reads).
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
