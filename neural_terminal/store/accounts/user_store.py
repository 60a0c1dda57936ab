"""Users in the database: add, look up by name, list, disable and change passwords."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from neural_terminal.domain.users import Account, Credentials, SessionUser
from neural_terminal.store.tables import User


class UserStore:
    """Reads and writes the ``users`` table; names arrive already normalised."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session:
            yield session

    def add(
        self, *, username: str, password_hash: str, is_admin: bool, at: datetime
    ) -> Account | None:
        """Insert a user and return it; None when the name is taken."""
        user = User(
            username=username,
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=at,
            password_changed_at=at,
        )
        with self._session() as session:
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
        return _account(user)

    def get(self, *, username: str) -> Account | None:
        """One user by name, or None."""
        with self._session() as session:
            user = self._by_name(session, username)
            return _account(user) if user else None

    def get_by_id(self, *, user_id: int) -> Account | None:
        """One user by id, or None."""
        with self._session() as session:
            user = session.get(User, user_id)
            return _account(user) if user else None

    def credentials(self, *, username: str) -> Credentials | None:
        """What a login checks a password against, or None for an unknown name."""
        with self._session() as session:
            user = self._by_name(session, username)
        if user is None:
            return None
        return Credentials(
            user=SessionUser(id=_id(user), username=user.username, is_admin=user.is_admin),
            password_hash=user.password_hash,
            disabled=user.disabled_at is not None,
        )

    def list_users(self) -> list[Account]:
        """Every user, by name."""
        with self._session() as session:
            users = session.exec(select(User).order_by(col(User.username)))
            return [_account(user) for user in users]

    def any_admin(self) -> bool:
        """True when at least one admin is not disabled."""
        query = select(User.id).where(User.is_admin, col(User.disabled_at).is_(None)).limit(1)
        with self._session() as session:
            return session.exec(query).first() is not None

    def set_disabled(self, *, username: str, at: datetime | None) -> Account | None:
        """Disable (``at``: since when; an earlier time is kept) or enable (None) a user."""
        with self._session() as session:
            user = self._by_name(session, username)
            if user is None:
                return None
            if at is None or user.disabled_at is None:
                user.disabled_at = at
                session.commit()
            return _account(user)

    def set_password(self, *, username: str, password_hash: str, at: datetime) -> Account | None:
        """Store a new password's hash, changed at ``at``; None for an unknown name."""
        with self._session() as session:
            user = self._by_name(session, username)
            if user is None:
                return None
            user.password_hash = password_hash
            user.password_changed_at = at
            session.commit()
            return _account(user)

    def rehash(self, *, user_id: int, password_hash: str) -> None:
        """Replace a hash by one of the same password with newer parameters."""
        with self._session() as session:
            user = session.get(User, user_id)
            if user is not None:
                user.password_hash = password_hash
                session.commit()

    @staticmethod
    def _by_name(session: Session, username: str) -> User | None:
        return session.exec(select(User).where(User.username == username)).first()


def _id(user: User) -> int:
    assert user.id is not None, "a stored user has an id"
    return user.id


def _account(user: User) -> Account:
    return Account(
        id=_id(user),
        username=user.username,
        is_admin=user.is_admin,
        disabled_at=user.disabled_at,
        created_at=user.created_at,
        password_changed_at=user.password_changed_at,
    )
