"""A login: throttle, check the password, count the result, and open a session.

Every refusal looks the same from outside: one message, and one argon2 verify spent whether
the name exists or not, so neither the reply nor its timing tells which names exist.
"""

from __future__ import annotations

import logging

from neural_terminal.accounts.passwords import MAX_PASSWORD_LENGTH, Passwords
from neural_terminal.accounts.sessions import Sessions
from neural_terminal.accounts.throttle import LoginThrottle
from neural_terminal.accounts.usernames import normalise_username
from neural_terminal.domain.errors import LoginRefused, LoginThrottled
from neural_terminal.domain.users import SessionUser, UserSession
from neural_terminal.store.accounts.user_store import UserStore

logger = logging.getLogger(__name__)

# How much of a refused name goes into the log (a name may be anything a client typed).
LOGGED_CHARS = 80


class Authenticator:
    """Turns a name, a password and where they came from into a session, or a typed refusal."""

    def __init__(
        self,
        *,
        users: UserStore,
        passwords: Passwords,
        throttle: LoginThrottle,
        sessions: Sessions,
    ) -> None:
        self._users = users
        self._passwords = passwords
        self._throttle = throttle
        self._sessions = sessions

    def login(
        self, username: str, password: str, *, address: str, client: str
    ) -> tuple[str, UserSession]:
        """The new session's raw token and the session; LoginThrottled or LoginRefused."""
        name = normalise_username(username)
        logged = name[:LOGGED_CHARS]
        wait_s = self._throttle.wait_s(name, address=address)
        if wait_s > 0:
            logger.warning("login of %r from %r throttled: %.0f s to wait", logged, address, wait_s)
            raise LoginThrottled(retry_after_s=wait_s)
        user, reason = self._check(name, password)
        if user is None:
            self._throttle.record_failure(name, address=address)
            logger.warning("login of %r from %r refused: %s", logged, address, reason)
            raise LoginRefused()
        self._throttle.record_success(name, address=address)
        return self._sessions.create(user.id, client=client)

    def _check(self, name: str, password: str) -> tuple[SessionUser | None, str]:
        # The user, or None and why (for the log only). Exactly one verify on every path.
        credentials = self._users.credentials(username=name)
        if credentials is None or len(password) > MAX_PASSWORD_LENGTH:
            self._passwords.verify_nothing(password[:MAX_PASSWORD_LENGTH])
            return None, "no such user" if credentials is None else "password too long"
        if not self._passwords.verify(credentials.password_hash, password):
            return None, "wrong password"
        if self._passwords.needs_rehash(credentials.password_hash):
            self._users.rehash(
                user_id=credentials.user.id, password_hash=self._passwords.hash(password)
            )
        if credentials.disabled:
            return None, "account disabled"
        return credentials.user, ""
