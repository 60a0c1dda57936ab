"""The backend's command line: uvicorn with a compressed websocket, or Reflex's Granian."""

from __future__ import annotations

from pathlib import Path

import pytest
from reflex_base.environment import environment

from neural_terminal.launch.backend import (
    APP_FACTORY,
    backend_command,
    chosen_server,
    compression_on,
    worker_count,
)

PYTHON = Path("/venv/bin/python")


def test_uvicorn_is_the_default_and_a_typo_is_refused() -> None:
    assert chosen_server({}) == "uvicorn"
    assert chosen_server({"NEURAL_TERMINAL_SERVER": "Granian"}) == "granian"
    with pytest.raises(ValueError, match="hypercorn"):
        chosen_server({"NEURAL_TERMINAL_SERVER": "hypercorn"})


def test_uvicorn_serves_the_built_app_with_a_compressed_websocket() -> None:
    backend = backend_command("uvicorn", host="127.0.0.1", port=3000, python=PYTHON)
    argv = backend.argv
    assert argv[:5] == [str(PYTHON), "-m", "uvicorn", "--factory", APP_FACTORY]
    assert argv[argv.index("--ws") + 1] == "websockets-sansio"
    assert argv[argv.index("--ws-per-message-deflate") + 1] == "true"
    assert argv[argv.index("--port") + 1] == "3000"
    assert "--workers" not in argv
    # As `reflex run --env prod --backend-only` would: no compile, prod mode.
    assert backend.env[environment.REFLEX_SKIP_COMPILE.name] == "true"
    assert backend.env["REFLEX_ENV_MODE"] == "prod"


def test_compression_can_be_turned_off() -> None:
    assert compression_on({})
    assert not compression_on({"NEURAL_TERMINAL_WS_COMPRESSION": "off"})
    argv = backend_command(
        "uvicorn", host="127.0.0.1", port=3000, python=PYTHON, deflate=False
    ).argv
    assert argv[argv.index("--ws-per-message-deflate") + 1] == "false"


def test_granian_is_reflex_own_start() -> None:
    backend = backend_command("granian", host="0.0.0.0", port=8000, python=PYTHON, workers=3)
    assert backend.argv == [
        "/venv/bin/reflex",
        *("run", "--env", "prod", "--backend-only"),
        *("--backend-host", "0.0.0.0", "--backend-port", "8000"),
    ]
    assert backend.env == {}


@pytest.mark.parametrize(
    ("env", "workers"),
    [
        pytest.param({}, 1, id="one-without-redis"),
        pytest.param({"WEB_CONCURRENCY": "4"}, 4, id="as-asked"),
        pytest.param({"REFLEX_REDIS_URL": "redis://x", "WEB_CONCURRENCY": ""}, None, id="redis"),
    ],
)
def test_worker_count(env: dict[str, str], workers: int | None) -> None:
    count = worker_count(env)
    if workers is None:
        assert 3 <= count <= 8
    else:
        assert count == workers


def test_several_workers_are_passed_on() -> None:
    argv = backend_command("uvicorn", host="h", port=1, python=PYTHON, workers=5).argv
    assert argv[argv.index("--workers") + 1] == "5"
