"""Several workers are refused on SQLite or without Redis, with what to set."""

from __future__ import annotations

import pytest

from neural_terminal.launch.stack_setup import sharing_refusal
from neural_terminal.settings import load_settings

POSTGRES = "postgresql://postgres@127.0.0.1:5432/nt"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("env", "workers", "missing"),
    [
        pytest.param({}, 1, None, id="one-worker-needs-nothing"),
        pytest.param(
            {"NEURAL_TERMINAL_DATABASE_URL": POSTGRES, "REFLEX_REDIS_URL": REDIS},
            4,
            None,
            id="postgres-and-redis",
        ),
        pytest.param({"REFLEX_REDIS_URL": REDIS}, 2, "PostgreSQL", id="sqlite"),
        pytest.param({"NEURAL_TERMINAL_DATABASE_URL": POSTGRES}, 2, "Redis", id="no-redis"),
    ],
)
def test_several_workers_need_postgres_and_redis(
    env: dict[str, str], workers: int, missing: str | None
) -> None:
    refusal = sharing_refusal(load_settings(env), workers=workers)

    if missing is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert missing in refusal
        assert f"{workers} backend workers" in refusal
