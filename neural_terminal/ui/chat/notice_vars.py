"""Which notices of the status line the reader dismissed, mixed into the chat state."""

from __future__ import annotations

import reflex as rx


class NoticeVars(rx.State, mixin=True):
    """A dismissed notice's text by its key: it stays hidden while it says the same."""

    dismissed_notices: dict[str, str] = {}  # noqa: RUF012 (a Reflex var, copied per state)

    @rx.event
    def dismiss_notice(self, key: str, text: str) -> None:
        """Hide this notice until its text changes."""
        self.dismissed_notices = {**self.dismissed_notices, key: text}
