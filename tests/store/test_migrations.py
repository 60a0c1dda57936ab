"""Alembic owns the schema: `upgrade head` on an empty database equals the models."""

from __future__ import annotations

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
    # The fixture has already run `upgrade head` on an empty database.
    assert _differences(database_url) == []


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert _differences(database_url) != []  # the tables are gone, so there is a diff
    upgrade_to_head(database_url)
    assert _differences(database_url) == []
