"""Local accounts for hosted mode: users, sessions, login throttling. No UI yet.

Usage::

    accounts = build_accounts(engine)
    accounts.users.add_user("alice", "a long passphrase", admin=True)
    token, session = accounts.authenticator.login(
        "alice", "a long passphrase", address="203.0.113.7", client="203.0.113.7 Firefox"
    )
    user = accounts.sessions.resolve(token)  # SessionUser, or None once it has ended
"""

from __future__ import annotations

from neural_terminal.accounts.login import Authenticator
from neural_terminal.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Passwords,
)
from neural_terminal.accounts.services import AccountServices, build_accounts
from neural_terminal.accounts.sessions import Sessions
from neural_terminal.accounts.throttle import LoginThrottle
from neural_terminal.accounts.users import Users

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "AccountServices",
    "Authenticator",
    "LoginThrottle",
    "Passwords",
    "Sessions",
    "Users",
    "build_accounts",
]
