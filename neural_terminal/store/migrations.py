"""Run Alembic from Python (tests, tools) against any database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from neural_terminal.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    """The project's Alembic config pointed at ``database_url``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    # ConfigParser treats % as interpolation; URL-encoded options contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Apply every migration (idempotent)."""
    command.upgrade(alembic_config(database_url), "head")
