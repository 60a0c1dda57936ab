"""Passwords: the length rule, and argon2id hashing with argon2-cffi's default parameters.

https://argon2-cffi.readthedocs.io/en/stable/api.html (RFC 9106's second recommended set).
"""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from neural_terminal.domain.errors import InvalidPassword

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def check_password_rules(password: str) -> None:
    """Raise InvalidPassword unless ``password`` is 12 to 1024 characters long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidPassword(detail=f"{len(password)} characters")


class Passwords:
    """Hashes and checks passwords; tests pass a hasher with small parameters."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        """The argon2 encoded string of a new password (after the length rule)."""
        check_password_rules(password)
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a wrong password or an unreadable hash."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than this hasher's."""
        return self._hasher.check_needs_rehash(password_hash)

    def verify_nothing(self, password: str) -> None:
        """Spend the time of one verify, for a login whose name does not exist."""
        self.verify(self._dummy_hash, password)

    @cached_property
    def _dummy_hash(self) -> str:
        # Made with this hasher's own parameters, so it costs what a real user's hash costs.
        return self._hasher.hash("not the password of anyone")
