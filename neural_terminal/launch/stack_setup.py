"""What a hosted stack needs before its workers start: the right stores, the database, an
admin who can log in."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from neural_terminal.accounts.services import build_accounts
from neural_terminal.settings import Settings
from neural_terminal.store.engine import make_engine, normalise_url

FIRST_ADMIN = "admin"


def sharing_refusal(settings: Settings, *, workers: int) -> str | None:
    """Why ``workers`` backend processes cannot run on these settings, or None.

    One process may use SQLite and no Redis (the default); several share their state through
    Redis (Reflex's tabs, our leases) and write one database concurrently (PostgreSQL)."""
    if workers <= 1:
        return None
    missing = []
    if normalise_url(settings.database_url).startswith("sqlite"):
        missing.append("PostgreSQL (NEURAL_TERMINAL_DATABASE_URL=postgresql://...)")
    if settings.redis_url is None:
        missing.append("Redis (REFLEX_REDIS_URL=redis://...)")
    if not missing:
        return None
    return (
        f"{workers} backend workers need {' and '.join(missing)}: SQLite and in-memory state "
        "serve one process only (README: Hosting)."
    )


def ensure_postgres_database(url: str) -> bool:
    """Create the database ``url`` names if its server has no such database; True if made."""
    target = make_url(normalise_url(url))
    if not target.drivername.startswith("postgresql") or not target.database:
        return False
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if exists:
                return False
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def ensure_admin(database_url: str, say: Callable[[str], object]) -> None:
    """A stack started for trying gets a first admin with a new password, said once."""
    engine = make_engine(database_url)
    try:
        accounts = build_accounts(engine)
        if accounts.users.has_any_admin():
            return
        password = secrets.token_urlsafe(12)
        accounts.users.add_user(FIRST_ADMIN, password, admin=True)
    finally:
        engine.dispose()
    say(f"first admin created: log in as {FIRST_ADMIN!r} with password {password!r}")
