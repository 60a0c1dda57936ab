"""Settings come from the environment; the key never shows in a log line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.settings import OPENROUTER_BASE_URL, load_settings


def test_defaults_use_the_simulator_served_by_the_app() -> None:
    settings = load_settings({}, backend_url="http://127.0.0.1:3100")
    assert settings.uses_simulator
    assert settings.upstream_url == "http://127.0.0.1:3100/sim/api/v1"
    assert settings.model == "sim/terminal-small"


def test_a_key_selects_openrouter() -> None:
    settings = load_settings({"OPENROUTER_API_KEY": "sk-or-secret"})
    assert not settings.uses_simulator
    assert settings.upstream_url == OPENROUTER_BASE_URL
    assert settings.model == "openai/gpt-4o-mini"


def test_a_base_url_without_key_is_used_as_is() -> None:
    settings = load_settings({"OPENROUTER_BASE_URL": "http://127.0.0.1:8080/v1/"})
    assert not settings.uses_simulator
    assert settings.upstream_url == "http://127.0.0.1:8080/v1"


def test_the_simulator_can_be_forced_either_way() -> None:
    assert load_settings(
        {"OPENROUTER_API_KEY": "k", "NEURAL_TERMINAL_SIMULATOR": "on"}
    ).uses_simulator
    assert not load_settings({"NEURAL_TERMINAL_SIMULATOR": "off"}).uses_simulator


def test_the_key_never_appears_in_repr_or_str() -> None:
    settings = load_settings({"OPENROUTER_API_KEY": "sk-or-very-secret"})
    assert "sk-or-very-secret" not in repr(settings)
    assert "sk-or-very-secret" not in str(settings)
    assert "api_key=<set>" in repr(settings)


def test_numbers_and_paths_are_parsed() -> None:
    settings = load_settings(
        {
            "NEURAL_TERMINAL_MAX_MESSAGE_CHARS": "500",
            "NEURAL_TERMINAL_READ_TIMEOUT_S": "2.5",
            "NEURAL_TERMINAL_DATABASE_URL": "postgresql://u@h/db",
        }
    )
    assert settings.max_message_chars == 500
    assert settings.read_timeout_s == 2.5
    assert settings.database_url == "postgresql://u@h/db"


def test_budget_defaults_are_five_dollars_never_resetting_in_utc() -> None:
    settings = load_settings({})
    assert (settings.budget_usd, settings.budget_period, settings.time_zone) == (
        Decimal("5.00"),
        "none",
        "UTC",
    )
    assert settings.expected_reply_tokens == 512


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("0.25", Decimal("0.25"), id="exact-decimal"),
        pytest.param("none", None, id="no-limit"),
        pytest.param("lots", Decimal("5.00"), id="unreadable-keeps-default"),
        pytest.param("-1", Decimal("5.00"), id="negative-keeps-default"),
    ],
)
def test_the_budget_setting_is_read_exactly(raw: str, expected: Decimal | None) -> None:
    assert load_settings({"NEURAL_TERMINAL_BUDGET_USD": raw}).budget_usd == expected


def test_budget_period_time_zone_and_places_are_read() -> None:
    settings = load_settings(
        {
            "NEURAL_TERMINAL_BUDGET_PERIOD": "Monthly",
            "NEURAL_TERMINAL_TIME_ZONE": "Europe/Berlin",
            "NEURAL_TERMINAL_EXPECTED_REPLY_TOKENS": "64",
            "NEURAL_TERMINAL_MONEY_PLACES_SMALL": "6",
        }
    )
    assert (settings.budget_period, settings.time_zone) == ("monthly", "Europe/Berlin")
    assert (settings.expected_reply_tokens, settings.money_places_small) == (64, 6)
