"""Signed-in sessions: a random cookie token, kept in the database only as its sha256.

A session ends when revoked, when it was not used for ``idle_timeout``, at ``lifetime``
after it was created whatever happens, and as soon as its user is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from neural_terminal.domain.errors import SessionNotFound
from neural_terminal.domain.users import SessionUser, UserSession
from neural_terminal.store.accounts.session_store import SessionStore
from neural_terminal.store.tables import utcnow

TOKEN_BYTES = 32
# A token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_CHARS = 128
# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
# The column width of AuthSession.client.
CLIENT_CHARS = 200


def token_hash(token: str) -> str:
    """What the database keeps of a token: its sha256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Creates, resolves, lists and revokes sessions."""

    def __init__(
        self,
        store: SessionStore,
        *,
        clock: Callable[[], datetime] = utcnow,
        idle_timeout: timedelta = timedelta(days=7),
        lifetime: timedelta = timedelta(days=30),
    ) -> None:
        self._store = store
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._lifetime = lifetime

    def create(self, user_id: int, *, client: str) -> tuple[str, UserSession]:
        """A new session: the raw token for the cookie (returned once, never stored), and it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        session = self._store.add(
            user_id=user_id,
            token_hash=token_hash(token),
            client=client[:CLIENT_CHARS],
            at=now,
            expires_at=now + self._lifetime,
        )
        return token, session

    def resolve(self, token: str) -> SessionUser | None:
        """The user of a live session's token; None when unknown, ended or its user disabled."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        now = self._clock()
        session = self._store.find_live(
            token_hash=token_hash(token), now=now, idle_since=now - self._idle_timeout
        )
        if session is None:
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            self._store.touch(session_id=session.id, at=now)
        return SessionUser(id=session.user_id, username=session.username, is_admin=session.is_admin)

    def revoke(self, session_id: int) -> None:
        """End one session (again is harmless); SessionNotFound for an unknown id."""
        if not self._store.revoke(session_id=session_id, at=self._clock()):
            raise SessionNotFound(detail=f"session {session_id}")

    def end(self, token: str) -> bool:
        """Log out: end the session of this raw token; False when it was not live."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return False
        return self._store.revoke_token(token_hash=token_hash(token), at=self._clock())

    @property
    def lifetime(self) -> timedelta:
        """How long a session lasts at most (the cookie's Max-Age)."""
        return self._lifetime

    def revoke_all(self, user_id: int) -> int:
        """End every session of a user; how many were open."""
        return self._store.revoke_all(user_id=user_id, at=self._clock())

    def list_active(self) -> list[UserSession]:
        """Every live session, most recently seen first (the admin page)."""
        now = self._clock()
        return self._store.list_live(now=now, idle_since=now - self._idle_timeout)
