"""A page's websockets as the browser sees them: which one is open, and when a new one has
taken over from it.

Counting closed websockets from the server's side (nginx logs one when it ends) cannot tell
which socket ended: a socket from an earlier page load can be logged late, on a busy machine
after the test counted. The browser knows: it opens the new socket only once the old one has
closed, and the new one carries the page's hydrate first (in Socket.IO's CONNECT packet), so
an event frame received on it means the page's state has been rebuilt there.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, WebSocket

EVENT_FRAME = "42"  # Socket.IO: a MESSAGE (4) carrying an EVENT (2)


class PageSockets:
    """Records every websocket ``page`` opens from now on; make one before loading the page."""

    def __init__(self, page: Page) -> None:
        self._page = page
        self._opened: list[WebSocket] = []
        self._answered: set[int] = set()
        page.on("websocket", self._on_open)

    def _on_open(self, socket: WebSocket) -> None:
        self._opened.append(socket)
        key = len(self._opened) - 1
        socket.on("framereceived", lambda payload: self._on_frame(key, payload))

    def _on_frame(self, key: int, payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode(errors="replace")
        if text.startswith(EVENT_FRAME):
            self._answered.add(key)

    def current(self, timeout_s: float = 30) -> int:
        """The open socket that has answered an event (the page is hydrated on it), by index."""
        return self._wait(lambda: self._live_after(-1), timeout_s, "no socket answered")

    def reconnected(self, since: int, timeout_s: float = 30) -> int:
        """Wait until socket ``since`` has closed and a newer one is open and has answered."""
        return self._wait(lambda: self._live_after(since), timeout_s, "the page did not reconnect")

    def _live_after(self, since: int) -> int | None:
        if since >= 0 and not self._opened[since].is_closed():
            return None
        newest = len(self._opened) - 1
        if newest <= since or self._opened[newest].is_closed() or newest not in self._answered:
            return None
        return newest

    def _wait(self, found: Callable[[], int | None], timeout_s: float, what: str) -> int:
        deadline = time.monotonic() + timeout_s
        while (index := found()) is None:
            assert time.monotonic() < deadline, f"{what} (not within {timeout_s:g} s)"
            self._page.wait_for_timeout(50)  # lets Playwright deliver the socket events
        return index
