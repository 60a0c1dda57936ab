"""Whose data a request may touch: one user's in hosted mode, everything in local mode."""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_HEADER = "local"
# The request header the access gate sets (and strips from what clients send).
VIEWER_HEADER = "x-neural-terminal-viewer"


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, as the access gate admitted them (security/gate.py)."""

    # None in local mode: one owner, who owns every row (rows carry no owner then).
    user_id: int | None = None

    @property
    def is_local(self) -> bool:
        """True in local mode, where the one person behind the token sees everything."""
        return self.user_id is None

    def owns(self, owner_id: int | None) -> bool:
        """True when a row with this ``owner_id`` is this viewer's."""
        return self.is_local or owner_id == self.user_id

    def to_header(self) -> str:
        """The value the gate hands to the app (``local`` or the user's id)."""
        return LOCAL_HEADER if self.user_id is None else str(self.user_id)

    @classmethod
    def from_header(cls, value: str | None) -> Viewer | None:
        """The viewer a header names, or None for a missing or unreadable one."""
        if value == LOCAL_HEADER:
            return cls()
        if value and value.isdigit():
            return cls(int(value))
        return None


LOCAL_OWNER = Viewer()
