"""The users of hosted mode, as an admin manages them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from neural_terminal.accounts.passwords import Passwords
from neural_terminal.accounts.sessions import Sessions
from neural_terminal.accounts.usernames import normalise_username, valid_username
from neural_terminal.domain.errors import UsernameTaken, UserNotFound
from neural_terminal.domain.users import Account
from neural_terminal.store.accounts.user_store import UserStore
from neural_terminal.store.tables import utcnow


class Users:
    """Adds, lists, disables, enables and resets users."""

    def __init__(
        self,
        store: UserStore,
        *,
        passwords: Passwords,
        sessions: Sessions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._passwords = passwords
        self._sessions = sessions
        self._clock = clock

    def add_user(self, username: str, password: str, *, admin: bool = False) -> Account:
        """Create a user; InvalidUsername, InvalidPassword or UsernameTaken when it cannot be."""
        name = valid_username(username)
        password_hash = self._passwords.hash(password)
        account = self._store.add(
            username=name, password_hash=password_hash, is_admin=admin, at=self._clock()
        )
        if account is None:
            raise UsernameTaken(detail=f"username {name!r}")
        return account

    def list_users(self) -> list[Account]:
        """Every user, by name."""
        return self._store.list_users()

    def get(self, username: str) -> Account:
        """One user; UserNotFound when there is none of that name."""
        return self._found(self._store.get(username=normalise_username(username)), username)

    def disable(self, username: str) -> Account:
        """Refuse the user's logins and end their sessions (re-enabling does not revive them)."""
        account = self._found(
            self._store.set_disabled(username=normalise_username(username), at=self._clock()),
            username,
        )
        self._sessions.revoke_all(account.id)
        return account

    def enable(self, username: str) -> Account:
        """Let a disabled user log in again."""
        return self._found(
            self._store.set_disabled(username=normalise_username(username), at=None), username
        )

    def reset_password(self, username: str, new_password: str) -> Account:
        """Set a new password and end the user's sessions; InvalidPassword, UserNotFound."""
        password_hash = self._passwords.hash(new_password)
        account = self._found(
            self._store.set_password(
                username=normalise_username(username),
                password_hash=password_hash,
                at=self._clock(),
            ),
            username,
        )
        self._sessions.revoke_all(account.id)
        return account

    def first_admin(self) -> Account | None:
        """The oldest admin who is not disabled (unowned rows go to them), or None."""
        admins = [a for a in self._store.list_users() if a.is_admin and not a.disabled]
        return min(admins, key=lambda a: a.id) if admins else None

    def account(self, user_id: int) -> Account | None:
        """The user with this id, or None."""
        return self._store.get_by_id(user_id=user_id)

    def is_admin(self, user_id: int) -> bool:
        """True for an enabled admin with this id."""
        account = self._store.get_by_id(user_id=user_id)
        return account is not None and account.is_admin and not account.disabled

    def has_any_admin(self) -> bool:
        """True when an admin exists who is not disabled (else: first run, create one)."""
        return self._store.any_admin()

    @staticmethod
    def _found(account: Account | None, username: str) -> Account:
        if account is None:
            raise UserNotFound(detail=f"username {username[:80]!r}")
        return account
