"""The outline's lines: where a branch leaves the one on show, in a few words."""

from __future__ import annotations

from neural_terminal.domain.conversations import BranchLine
from neural_terminal.ui.chat.tree_vars import _outline_row


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
