"""Serving on a real port: the context manager and ``python -m neural_terminal.simulator``."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.simulator import running_simulator


def test_running_simulator_serves_then_stops_listening() -> None:
    with running_simulator(tokens_per_second=1_000) as url:
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/api/v1")
        assert httpx.get(f"{url}/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models")


def test_module_entry_point_prints_its_url_and_serves() -> None:
    command = [sys.executable, "-m", "neural_terminal.simulator", "--port", "0", "--rate", "500"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), line
        response = httpx.get(f"{url}/models", timeout=10.0)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 5
    finally:
        process.terminate()
        process.wait(timeout=10)
