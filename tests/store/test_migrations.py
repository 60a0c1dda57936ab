"""Alembic owns the schema: `upgrade head` on an empty database equals the models."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from neural_terminal.store import tables  # noqa: F401  (registers the tables)
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import alembic_config, upgrade_to_head


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = list(compare_metadata(context, SQLModel.metadata))
    engine.dispose()
    return diff


def test_upgrade_head_matches_the_models(database_url: str) -> None:
    # The fixture's database was migrated with `upgrade head` from empty (or is a copy of one).
    assert _differences(database_url) == []


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert _differences(database_url) != []  # the tables are gone, so there is a diff
    upgrade_to_head(database_url)
    assert _differences(database_url) == []


def test_0002_keeps_existing_conversations_and_counts_their_messages(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (id, title, model, created_at, updated_at) "
                "VALUES (1, 't', 'm', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        for role in ("user", "assistant"):
            connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, role, content, status, created_at) "
                    "VALUES (1, :role, 'hi', 'complete', '2026-01-01 00:00:00')"
                ),
                {"role": role},
            )
    upgrade_to_head(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT message_count, context_strategy FROM conversations")
        ).one()
        counts = connection.execute(text("SELECT token_count FROM messages")).scalars().all()
    engine.dispose()
    assert tuple(row) == (2, "sliding")
    assert counts == [None, None]  # counted lazily, the first time a context needs them
