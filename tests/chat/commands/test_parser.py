"""The slash-command parser: every command, and the mistakes a user makes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.chat.commands import (
    ChooseModel,
    Command,
    Export,
    Fork,
    Help,
    NewConversation,
    ParseError,
    Search,
    SetBudget,
    SetStrategy,
    SetSystem,
    Stats,
    is_command,
    parse,
)
from neural_terminal.domain.conversations import ContextStrategy
from neural_terminal.domain.periods import Period


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        pytest.param("/new", NewConversation(), id="new"),
        pytest.param("  /NEW  ", NewConversation(), id="new-case-and-spaces"),
        pytest.param("/model gpt 4o", ChooseModel("gpt 4o"), id="model-search"),
        pytest.param("/system Be terse.", SetSystem("Be terse."), id="system"),
        pytest.param("/system", SetSystem(""), id="system-cleared"),
        pytest.param("/budget 5", SetBudget(Decimal("5"), Period.NONE), id="budget"),
        pytest.param("/budget 5 daily", SetBudget(Decimal("5"), Period.DAILY), id="budget-daily"),
        pytest.param(
            "/budget $2.50 Monthly",
            SetBudget(Decimal("2.50"), Period.MONTHLY),
            id="budget-dollar-monthly",
        ),
        pytest.param("/strategy bookends", SetStrategy(ContextStrategy.BOOKENDS), id="strategy"),
        pytest.param("/fork", Fork(), id="fork"),
        pytest.param("/export md", Export("md"), id="export-md"),
        pytest.param("/export JSON", Export("json"), id="export-json"),
        pytest.param("/search red fox", Search("red fox"), id="search"),
        pytest.param("/stats", Stats(), id="stats"),
        pytest.param("/help", Help(), id="help"),
    ],
)
def test_parses(draft: str, expected: Command) -> None:
    assert parse(draft) == expected


def test_budget_amount_is_exact_decimal() -> None:
    parsed = parse("/budget 0.1")
    assert isinstance(parsed, SetBudget)
    assert parsed.amount == Decimal("0.1")
    assert isinstance(parsed.amount, Decimal)


@pytest.mark.parametrize(
    ("draft", "message", "usage"),
    [
        pytest.param("/frobnicate", "Unknown command /frobnicate", "", id="unknown"),
        pytest.param("/", "Unknown command /:", "", id="bare-slash"),
        pytest.param("/new now", "takes no arguments", "/new", id="new-with-args"),
        pytest.param("/model", "needs an argument", "/model <search>", id="model-empty"),
        pytest.param("/search", "needs an argument", "/search <words>", id="search-empty"),
        pytest.param("/budget", "needs an argument", "/budget <amount>", id="budget-empty"),
        pytest.param("/budget five", "is not an amount", "/budget <amount>", id="budget-word"),
        pytest.param("/budget -1", "more than 0", "/budget <amount>", id="budget-negative"),
        pytest.param("/budget 0", "more than 0", "/budget <amount>", id="budget-zero"),
        pytest.param("/budget NaN", "more than 0", "/budget <amount>", id="budget-nan"),
        pytest.param("/budget 1e9", "at most", "/budget <amount>", id="budget-huge"),
        pytest.param("/budget 5 weekly", "No period", "/budget <amount>", id="budget-period"),
        pytest.param("/budget 5 daily x", "Too many", "/budget <amount>", id="budget-extra"),
        pytest.param("/strategy best", "No strategy", "/strategy sliding", id="strategy-bad"),
        pytest.param("/export pdf", "No export format", "/export md|json", id="export-bad"),
        pytest.param("hello", "Not a command", "", id="not-a-command"),
    ],
)
def test_refuses_with_usage(draft: str, message: str, usage: str) -> None:
    parsed = parse(draft)
    assert isinstance(parsed, ParseError)
    assert message in parsed.message
    assert parsed.usage.startswith(usage)
    if usage:
        assert f"Usage: {parsed.usage}" in parsed.text


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        pytest.param("/new", True, id="command"),
        pytest.param("  /help", True, id="leading-space"),
        pytest.param("//etc/hosts", False, id="double-slash-escape"),
        pytest.param("hello /new", False, id="slash-later"),
        pytest.param("", False, id="empty"),
    ],
)
def test_is_command(draft: str, expected: bool) -> None:
    assert is_command(draft) is expected
