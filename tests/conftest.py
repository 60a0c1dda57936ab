"""Fixtures shared by every test: offline encodings, real databases, and how properties run.

Property tests run under one of two Hypothesis profiles, chosen by
``NEURAL_TERMINAL_HYPOTHESIS_PROFILE``:

- ``suite`` (the default, ``make test``): derandomized and without an example database, so a
  run draws the same examples every time and on every machine; a failure prints its example.
- ``fuzz`` (``make fuzz``): unseeded, many more examples, failures kept in
  ``.cache/hypothesis`` and replayed first. A failure found there becomes an ``@example``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, is_hypothesis_test, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from sqlalchemy import Engine, make_url, text

from neural_terminal.settings import PROJECT_ROOT, load_settings
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head
from neural_terminal.tokens.encodings import use_cache_dir

POSTGRES_URL = os.environ.get("NEURAL_TERMINAL_TEST_POSTGRES_URL", "")

settings.register_profile(
    "suite",
    max_examples=150,
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=5_000,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(PROJECT_ROOT / ".cache" / "hypothesis"),
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("NEURAL_TERMINAL_HYPOTHESIS_PROFILE", "suite"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property tests are marked (``make fuzz`` selects them). Browser tests run last:
    Playwright's sync API keeps an event loop running in the main thread until the session
    ends, which would break every asyncio test after it."""
    for item in items:
        if isinstance(item, pytest.Function) and is_hypothesis_test(item.obj):
            item.add_marker(pytest.mark.property)
    items.sort(key=lambda item: "tests/e2e/" in str(item.path))


@pytest.fixture(scope="session", autouse=True)
def offline_encodings() -> None:
    """Every test counts tokens from the provisioned files, never the network."""
    use_cache_dir(load_settings().tiktoken_cache_dir)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, once per session (migrating costs ~0.2 s a test)."""
    path = tmp_path_factory.mktemp("migrated") / "chat.db"
    upgrade_to_head(f"sqlite:///{path}")
    # Everything into the main file, so that a copy of it alone is the whole database.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A fresh SQLite file at head: a byte copy of the session's migrated one."""
    path = tmp_path / "chat.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """A connection to the test PostgreSQL server that can create and drop databases."""
    if not POSTGRES_URL:
        pytest.skip("NEURAL_TERMINAL_TEST_POSTGRES_URL is not set")
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: Engine) -> Iterator[str]:
    """A database migrated to head once per session, the template of every test's database."""
    name = f"nt_template_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade_to_head(_postgres_database(name))
    yield name
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_admin: Engine, postgres_template: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL server, at head, dropped afterwards.

    Copied from the session's migrated template (about 0.1 s, where migrating took 0.4 s).
    """
    name = f"nt_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield _postgres_database(name)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def _postgres_database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each repository test runs on SQLite, and on PostgreSQL when one is configured."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def repository(database_url: str) -> Iterator[ChatRepository]:
    """A repository over a freshly migrated database."""
    engine = make_engine(database_url)
    yield ChatRepository(engine)
    engine.dispose()
