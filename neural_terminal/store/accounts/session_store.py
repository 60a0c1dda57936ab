"""Signed-in sessions in the database, found by the sha256 of their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Engine, Row, Select, Table, and_, insert, select, update

from neural_terminal.domain.users import UserSession
from neural_terminal.store.tables import AuthSession, User

SESSIONS: Table = AuthSession.__table__  # type: ignore[attr-defined]
USERS: Table = User.__table__  # type: ignore[attr-defined]


class SessionStore:
    """Reads and writes ``auth_sessions``; the raw token never reaches this module."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self, *, user_id: int, token_hash: str, client: str, at: datetime, expires_at: datetime
    ) -> UserSession:
        """Insert a session created ``at`` and return it as the admin page shows it."""
        with self._engine.begin() as conn:
            key = conn.execute(
                insert(SESSIONS).values(
                    user_id=user_id,
                    token_hash=token_hash,
                    client=client,
                    created_at=at,
                    last_seen_at=at,
                    expires_at=expires_at,
                )
            ).inserted_primary_key
            assert key is not None
            row = conn.execute(_joined().where(SESSIONS.c.id == key[0])).one()
        return _session(row)

    def find_live(
        self, *, token_hash: str, now: datetime, idle_since: datetime
    ) -> UserSession | None:
        """The live session of this token hash (see ``_live``), or None."""
        query = _joined().where(SESSIONS.c.token_hash == token_hash, _live(now, idle_since))
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _session(row) if row else None

    def list_live(self, *, now: datetime, idle_since: datetime) -> list[UserSession]:
        """Every live session, most recently seen first."""
        query = (
            _joined()
            .where(_live(now, idle_since))
            .order_by(SESSIONS.c.last_seen_at.desc(), SESSIONS.c.id.desc())
        )
        with self._engine.connect() as conn:
            return [_session(row) for row in conn.execute(query)]

    def touch(self, *, session_id: int, at: datetime) -> None:
        """Record that the session was used ``at``."""
        with self._engine.begin() as conn:
            conn.execute(
                update(SESSIONS).where(SESSIONS.c.id == session_id).values(last_seen_at=at)
            )

    def revoke(self, *, session_id: int, at: datetime) -> bool:
        """End one session (an earlier revocation is kept); False when there is no such id."""
        with self._engine.begin() as conn:
            exists = conn.execute(select(SESSIONS.c.id).where(SESSIONS.c.id == session_id)).first()
            conn.execute(
                update(SESSIONS)
                .where(SESSIONS.c.id == session_id, SESSIONS.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return exists is not None

    def revoke_token(self, *, token_hash: str, at: datetime) -> bool:
        """End the session of this token hash (a logout); False when none was live."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(SESSIONS)
                .where(SESSIONS.c.token_hash == token_hash, SESSIONS.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return bool(result.rowcount)

    def revoke_all(self, *, user_id: int, at: datetime) -> int:
        """End every session of a user; how many were still unrevoked."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(SESSIONS)
                .where(SESSIONS.c.user_id == user_id, SESSIONS.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return int(result.rowcount or 0)


def _live(now: datetime, idle_since: datetime) -> ColumnElement[bool]:
    # Live: not revoked, not past its absolute end, seen since the idle cut-off, user enabled.
    return and_(
        SESSIONS.c.revoked_at.is_(None),
        SESSIONS.c.expires_at > now,
        SESSIONS.c.last_seen_at > idle_since,
        USERS.c.disabled_at.is_(None),
    )


def _joined() -> Select[tuple[object, ...]]:
    return select(
        SESSIONS.c.id,
        SESSIONS.c.user_id,
        USERS.c.username,
        USERS.c.is_admin,
        SESSIONS.c.client,
        SESSIONS.c.created_at,
        SESSIONS.c.last_seen_at,
        SESSIONS.c.expires_at,
    ).join(USERS, USERS.c.id == SESSIONS.c.user_id)


def _session(row: Row[tuple[object, ...]]) -> UserSession:
    return UserSession(
        id=row.id,
        user_id=row.user_id,
        username=row.username,
        is_admin=row.is_admin,
        client=row.client,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
    )
