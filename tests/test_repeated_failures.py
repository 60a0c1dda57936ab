"""A loop failing every tick logs its first failure in full, then a line a minute, then
that it works again."""

from __future__ import annotations

import logging

import pytest

from neural_terminal.repeated_failures import RepeatedFailures


def _fail(failures: RepeatedFailures, message: str) -> None:
    try:
        raise OSError(message)
    except OSError:
        failures.failed()


def test_a_run_of_failures_says_little_and_the_recovery_is_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    failures = RepeatedFailures(logging.getLogger("loop"), "the poll", clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="loop"):
        for tick in range(121):  # two minutes, a failure a second
            now[0] = float(tick)
            _fail(failures, f"refused {tick}")
        failures.worked()
        failures.worked()  # said once
    said = [(r.levelno, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert said == [
        (logging.ERROR, "the poll failed", True),
        (logging.ERROR, "the poll still failing: 61 times in a row, lately refused 60", False),
        (logging.ERROR, "the poll still failing: 121 times in a row, lately refused 120", False),
        (logging.WARNING, "the poll works again (121 failed in a row)", False),
    ]


def test_a_new_run_logs_its_first_failure_in_full_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = RepeatedFailures(logging.getLogger("loop"), "the sweep", clock=lambda: 5.0)
    with caplog.at_level(logging.INFO, logger="loop"):
        _fail(failures, "down")
        failures.worked()
        _fail(failures, "down again")
    assert [r.exc_info is not None for r in caplog.records] == [True, False, True]
