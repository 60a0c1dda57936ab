"""The outline's lines: where a branch leaves the one on show, in a few words; and a send's
rows after the path's end, shown without reading the branch again."""

from __future__ import annotations

from neural_terminal.domain.conversations import BranchLine, StoredMessage
from neural_terminal.ui.chat.tree_vars import GrownPath, OutlineRow, _outline_row, path_grown


def test_an_outline_line_says_where_its_branch_splits_off() -> None:
    other = BranchLine(
        leaf_id=9,
        shared=2,
        first_id=5,
        first_role="user",
        first_text="and a shell?",
        length=4,
        current=False,
    )
    shown = BranchLine(
        leaf_id=12,
        shared=6,
        first_id=12,
        first_role="assistant",
        first_text="…",
        length=6,
        current=True,
    )
    assert _outline_row(other).label == "@3 you: and a shell? · 4 msgs"
    assert (_outline_row(other).leaf_id, _outline_row(other).current) == (9, False)
    assert _outline_row(shown).label == "this branch · 6 msgs"


def _message(message_id: int, role: str, parent_id: int | None) -> StoredMessage:
    return StoredMessage(id=message_id, conversation_id=1, role=role, parent_id=parent_id)


def test_a_send_at_the_end_of_the_path_follows_it_without_reading_the_branch() -> None:
    # Path 3 -> 4 on show (positions 0, 1); the conversation has another branch.
    outline = [
        OutlineRow(leaf_id=4, label="this branch · 2 msgs", current=True),
        OutlineRow(leaf_id=9, label="@2 reply: other · 2 msgs"),
    ]
    grown = path_grown(
        {"3": 0, "4": 1}, outline, 4, _message(10, "user", 4), _message(11, "assistant", 10)
    )

    assert grown is not None
    assert grown.path_pos == {"3": 0, "4": 1, "10": 2, "11": 3}
    assert grown.outline == [
        OutlineRow(leaf_id=11, label="this branch · 4 msgs", current=True),
        outline[1],
    ]


def test_a_first_send_starts_the_path_and_only_its_newest_rows_are_held() -> None:
    first = path_grown({}, [], 0, _message(1, "user", None), _message(2, "assistant", 1))
    assert first == GrownPath({"1": 0, "2": 1}, [])
    # A long path holds positions from 100 on only: the new rows go after the last.
    held = {str(i): i for i in range(100, 200)}
    later = path_grown(held, [], 199, _message(500, "user", 199), _message(501, "assistant", 500))
    assert later is not None
    assert (later.path_pos["500"], later.path_pos["501"]) == (200, 201)


def test_words_that_hang_elsewhere_than_the_end_are_left_to_a_branch_read() -> None:
    path = {"3": 0, "4": 1}
    # An edit of the first message (a sibling of 3), a send under an earlier message, a send
    # into a conversation whose newest message another tab added (the page shows 4, not 7).
    assert (
        path_grown(path, [], 4, _message(10, "user", None), _message(11, "assistant", 10)) is None
    )
    assert path_grown(path, [], 4, _message(10, "user", 3), _message(11, "assistant", 10)) is None
    assert path_grown(path, [], 4, _message(10, "user", 7), _message(11, "assistant", 10)) is None
