"""Local accounts of hosted mode as plain values: a user, a signed-in user, a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Account:
    """One user as an admin sees it (no password hash)."""

    id: int
    username: str
    is_admin: bool
    disabled_at: datetime | None
    created_at: datetime
    password_changed_at: datetime

    @property
    def disabled(self) -> bool:
        """True once an admin has disabled the account."""
        return self.disabled_at is not None


@dataclass(frozen=True)
class SessionUser:
    """Who a valid session token belongs to: all a request handler needs to know."""

    id: int
    username: str
    is_admin: bool


@dataclass(frozen=True)
class Credentials:
    """What a login checks a password against: the user, its argon2 hash, whether disabled."""

    user: SessionUser
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class UserSession:
    """One signed-in browser, as the admin page lists it (never its token)."""

    id: int
    user_id: int
    username: str
    is_admin: bool
    client: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
