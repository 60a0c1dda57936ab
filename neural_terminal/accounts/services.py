"""The accounts services wired over one engine, for the composition root and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine

from neural_terminal.accounts.login import Authenticator
from neural_terminal.accounts.passwords import Passwords
from neural_terminal.accounts.sessions import Sessions
from neural_terminal.accounts.throttle import LoginThrottle
from neural_terminal.accounts.users import Users
from neural_terminal.store.accounts.failure_store import FailureStore
from neural_terminal.store.accounts.session_store import SessionStore
from neural_terminal.store.accounts.user_store import UserStore
from neural_terminal.store.tables import utcnow


@dataclass(frozen=True)
class AccountServices:
    """Users, sessions, the throttle and logins, sharing one clock and one hasher."""

    users: Users
    sessions: Sessions
    throttle: LoginThrottle
    authenticator: Authenticator


def build_accounts(
    engine: Engine,
    *,
    clock: Callable[[], datetime] = utcnow,
    hasher: PasswordHasher | None = None,
    idle_timeout: timedelta = timedelta(days=7),
    lifetime: timedelta = timedelta(days=30),
) -> AccountServices:
    """Wire the accounts services; tests pass a fake clock and a hasher with small parameters."""
    user_store = UserStore(engine)
    passwords = Passwords(hasher)
    sessions = Sessions(
        SessionStore(engine), clock=clock, idle_timeout=idle_timeout, lifetime=lifetime
    )
    throttle = LoginThrottle(FailureStore(engine), clock=clock)
    return AccountServices(
        users=Users(user_store, passwords=passwords, sessions=sessions, clock=clock),
        sessions=sessions,
        throttle=throttle,
        authenticator=Authenticator(
            users=user_store, passwords=passwords, throttle=throttle, sessions=sessions
        ),
    )
