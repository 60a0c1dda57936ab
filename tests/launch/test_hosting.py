"""The launcher refuses to serve beyond loopback without accounts, and says how."""

from __future__ import annotations

import pytest

from neural_terminal.launch.__main__ import hosting_refusal, main
from neural_terminal.settings import load_settings


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
def test_loopback_serves(host: str) -> None:
    assert hosting_refusal(load_settings({"NEURAL_TERMINAL_BIND_HOST": host})) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_any_other_address_is_refused_with_the_way_out(host: str) -> None:
    refusal = hosting_refusal(load_settings({"NEURAL_TERMINAL_BIND_HOST": host}))

    assert refusal is not None
    assert host in refusal
    assert "127.0.0.1" in refusal


def test_the_launcher_exits_before_building_or_migrating(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--host", "0.0.0.0", "--port", "3999"]) == 2
    assert "Refusing to listen on 0.0.0.0" in capsys.readouterr().err
