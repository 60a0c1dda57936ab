"""Which of a long path's messages a page holds: the newest on open, more when asked, and
everything from a message it is sent to (PathRows)."""

from __future__ import annotations

from neural_terminal.domain.conversations import EVERY_ROW, OPEN_ROWS, PathRows

PATH = tuple(range(1000, 1000 + 250))


def test_a_page_opens_at_the_newest_rows() -> None:
    assert PathRows.newest().first(PATH) == 250 - OPEN_ROWS
    assert PathRows.newest().first(PATH[:OPEN_ROWS]) == 0
    assert PathRows.newest().first(()) == 0


def test_every_row_is_the_default() -> None:
    assert EVERY_ROW.first(PATH) == 0


def test_earlier_rows_come_a_page_at_a_time_and_stop_at_the_root() -> None:
    assert PathRows(since=150, earlier=100).first(PATH) == 50
    assert PathRows(since=50, earlier=100).first(PATH) == 0


def test_a_page_keeps_what_it_holds_and_always_the_newest() -> None:
    assert PathRows(since=20).first(PATH) == 20
    # The path changed under the page (another branch, shorter): its newest rows at least.
    assert PathRows(since=200).first(PATH[:120]) == 20


def test_a_message_far_back_brings_every_row_from_it() -> None:
    assert PathRows(since=150, reveal=PATH[10]).first(PATH) == 10
    assert PathRows(since=150, reveal=PATH[200]).first(PATH) == 150
    assert PathRows(since=150, reveal=7).first(PATH) == 150  # not on this path
