"""The conversation tree's vars, mixed into the chat state.

The page keeps every message it has been sent in two lists (``history``, then ``recent``) and
shows those on the path in path order (``path_pos``: a position per id, which the rows use as
their flex order). Switching branches therefore sends the new positions, the new alternatives
marks and only the messages the page has never had, never the whole transcript again.

A long path opens at its newest messages (domain/conversations.py PathRows; ``hidden_before``
counts the older ones); the reader asks for ``EARLIER_ROWS`` more at a time, and a search hit
far back brings every message from it on. A 2,000-message conversation thus opens with a
twentieth of the rows to send and to draw.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from neural_terminal.domain.conversations import BranchLine, BranchView, PathRows, StoredMessage
from neural_terminal.domain.money import exact_usd, format_usd
from neural_terminal.ui.chat.views import MessageView, message_view

# How many more of a path's older messages each "earlier messages" brings.
EARLIER_ROWS = 200


@dataclasses.dataclass
class OutlineRow:
    """One branch of the outline: where it splits off, and how to go there."""

    leaf_id: int = 0
    label: str = ""
    current: bool = False


class TreeVars(rx.State, mixin=True):
    """The path on show, the alternatives along it, the outline and the two costs."""

    history: list[MessageView] = []
    recent: list[MessageView] = []
    path_pos: dict[str, int] = {}
    leaf_id: int = 0
    sibling_label: dict[str, str] = {}
    sibling_prev: dict[str, int] = {}
    sibling_next: dict[str, int] = {}
    outline: list[OutlineRow] = []
    # The path's cost (shared messages once), and every branch's when that differs.
    total_cost: str = "$0.0000"
    tree_cost: str = ""
    # Both figures to the picodollar (the header's hover and focus).
    cost_exact: str = ""
    # How many of the path's oldest messages the page has not been sent (PathRows).
    hidden_before: int = 0

    def _known_ids(self) -> set[int]:
        return {row.id for row in self.history} | {row.id for row in self.recent}

    def _rows(self, *, earlier: int = 0) -> PathRows:
        """The path's rows this page holds (``earlier`` more of the older ones)."""
        return PathRows(since=self.hidden_before, earlier=earlier)

    def _show_branch(self, view: BranchView, *, fresh: bool = False) -> None:
        """Show ``view``: on a fresh page its messages; else the new ones added (older ones
        into the history, once; newer ones after this visit's)."""
        if fresh:
            self.history = [message_view(m) for m in view.messages]
            self.recent = []
        elif view.messages:
            known = self._known_ids()
            added = [message_view(m) for m in view.messages if m.id not in known]
            if view.first_shown < self.hidden_before:
                self.history = [*self.history, *added]
            else:
                self.recent = [*self.recent, *added]
        self.hidden_before = view.first_shown
        # Positions of the rows held only: every row the page holds is at or after the first.
        path = enumerate(view.path_ids)
        self.path_pos = {str(i): n for n, i in path if n >= view.first_shown}
        self.leaf_id = view.path_ids[-1] if view.path_ids else 0
        labels, previous, following = {}, {}, {}
        for message_id, (label, before, after) in view.siblings.items():
            labels[str(message_id)] = label
            previous[str(message_id)] = before or 0
            following[str(message_id)] = after or 0
        self._set_if_changed("sibling_label", labels)
        self._set_if_changed("sibling_prev", previous)
        self._set_if_changed("sibling_next", following)
        self._set_if_changed("outline", [_outline_row(line) for line in view.branches])
        self.total_cost = format_usd(view.branch_cost)
        tree = format_usd(view.total_cost)
        self.tree_cost = tree if view.total_cost != view.branch_cost else ""
        self.cost_exact = (
            f"branch on show {exact_usd(view.branch_cost)}; "
            f"every branch and summary {exact_usd(view.total_cost)}"
        )

    def _show_appended(self, user: StoredMessage, reply: StoredMessage) -> bool:
        """A send at the end of the path on show: its two new rows go after the others and
        nothing else changes (neither costs anything yet, nor has a sibling, unless another
        tab sent under the same message a moment before: that mark shows when the reply
        ends, which reads the branch), so the branch is not read again. False, showing
        nothing, when the words hang elsewhere (an edit, a send under an earlier message):
        the caller reads the branch."""
        grown = path_grown(self.path_pos, self.outline, self.leaf_id, user, reply)
        if grown is None:
            return False
        self.recent = [*self.recent, message_view(user), message_view(reply)]
        self.path_pos, self.leaf_id = grown.path_pos, reply.id
        if grown.outline != self.outline:
            self.outline = grown.outline
        return True

    def _set_if_changed(self, name: str, value: object) -> None:
        """Assigning marks a var dirty (resent whole): only when it really changed."""
        if getattr(self, name) != value:
            setattr(self, name, value)


@dataclasses.dataclass(frozen=True)
class GrownPath:
    """The path on show with a send's two rows after its end."""

    path_pos: dict[str, int]
    outline: list[OutlineRow]


def path_grown(
    path_pos: dict[str, int],
    outline: list[OutlineRow],
    leaf_id: int,
    user: StoredMessage,
    reply: StoredMessage,
) -> GrownPath | None:
    """Positions and outline once ``user`` and its ``reply`` follow the path's end
    (``leaf_id``, 0 for an empty conversation); None when they hang anywhere else."""
    if user.parent_id != (leaf_id or None) or reply.parent_id != user.id:
        return None
    last = max(path_pos.values(), default=-1)
    grown = {**path_pos, str(user.id): last + 1, str(reply.id): last + 2}
    # Several branches: this one is two messages longer, to a new leaf.
    current = _current_row(reply.id, length=last + 3)
    return GrownPath(grown, [current if row.current else row for row in outline])


def _outline_row(line: BranchLine) -> OutlineRow:
    if line.current:
        return _current_row(line.leaf_id, line.length)
    who = "you" if line.first_role == "user" else "reply"
    label = f"@{line.shared + 1} {who}: {line.first_text or '(empty)'} · {line.length} msgs"
    return OutlineRow(leaf_id=line.leaf_id, label=label)


def _current_row(leaf_id: int, length: int) -> OutlineRow:
    return OutlineRow(leaf_id=leaf_id, label=f"this branch · {length} msgs", current=True)
