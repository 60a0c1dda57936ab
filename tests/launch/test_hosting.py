"""The launcher refuses to serve beyond loopback without accounts, or accounts without an
admin, and says how."""

from __future__ import annotations

import pytest

from neural_terminal.accounts.services import build_accounts
from neural_terminal.launch.__main__ import accounts_refusal, hosting_refusal, main
from neural_terminal.settings import load_settings
from neural_terminal.store.engine import make_engine


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


def test_accounts_may_listen_beyond_loopback() -> None:
    env = {"NEURAL_TERMINAL_BIND_HOST": "0.0.0.0", "NEURAL_TERMINAL_AUTH": "accounts"}
    assert hosting_refusal(load_settings(env)) is None


def test_hosted_mode_needs_a_first_admin_and_says_how(sqlite_url: str) -> None:
    settings = load_settings(
        {"NEURAL_TERMINAL_AUTH": "accounts", "NEURAL_TERMINAL_DATABASE_URL": sqlite_url}
    )
    refusal = accounts_refusal(settings)
    assert refusal is not None
    assert "python -m neural_terminal users add NAME --admin" in refusal

    engine = make_engine(sqlite_url)
    build_accounts(engine).users.add_user("root", "a long enough password", admin=True)
    engine.dispose()

    assert accounts_refusal(settings) is None
    assert accounts_refusal(load_settings({"NEURAL_TERMINAL_DATABASE_URL": sqlite_url})) is None
