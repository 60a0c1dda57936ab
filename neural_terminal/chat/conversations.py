"""A conversation's tree as a page sees it: the path on show, the alternatives beside each of
its messages, the outline of every branch, and the path's and the tree's costs.

Switching branches moves the active leaf and hands back only the messages the page lacks.
"""

from __future__ import annotations

from collections.abc import Collection

from neural_terminal.domain.conversations import (
    EVERY_ROW,
    BranchLine,
    BranchView,
    ConversationInfo,
    PathRows,
)
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.domain.tree import Tree
from neural_terminal.store.conversations.repository import ChatRepository

OUTLINE_TEXT = 48


class ConversationTrees:
    """Reads and moves along conversation trees."""

    def __init__(self, repository: ChatRepository) -> None:
        self._repo = repository

    def view(
        self,
        conversation: ConversationInfo,
        *,
        known: Collection[int] = (),
        rows: PathRows = EVERY_ROW,
    ) -> BranchView:
        """The active path of ``conversation``, with its ``rows`` not in ``known``."""
        tree = self._repo.tree(conversation_id=conversation.id)
        leaf = conversation.active_leaf_id
        if leaf not in tree:
            leaf = tree.newest_leaf()  # none stored yet, or the leaf is gone: the newest
        return self._view(conversation, tree, leaf, known, rows)

    def switch(
        self,
        conversation: ConversationInfo,
        message_id: int,
        *,
        known: Collection[int] = (),
        rows: PathRows = EVERY_ROW,
    ) -> BranchView:
        """Show the branch through ``message_id`` (to its newest message) and make it active;
        ``message_id`` is among the rows sent, however far back."""
        tree = self._repo.tree(conversation_id=conversation.id)
        if message_id not in tree:
            raise InvalidInput("That message is not in this conversation.")
        leaf = tree.newest_leaf(message_id)
        assert leaf is not None
        if leaf != conversation.active_leaf_id:
            self._repo.set_active_leaf(conversation_id=conversation.id, leaf_id=leaf)
        revealed = PathRows(since=rows.since, earlier=rows.earlier, reveal=message_id)
        return self._view(conversation, tree, leaf, known, revealed)

    def _view(
        self,
        conversation: ConversationInfo,
        tree: Tree,
        leaf: int | None,
        known: Collection[int],
        rows: PathRows,
    ) -> BranchView:
        path = tree.path_to(leaf)
        first = rows.first(tuple(path))
        wanted = [i for i in path[first:] if i not in known]
        siblings: dict[int, tuple[str, int | None, int | None]] = {}
        for message_id in path:
            mark = tree.sibling_mark(message_id)
            if mark is not None:
                siblings[message_id] = (mark.label, mark.previous_id, mark.next_id)
        return BranchView(
            conversation=conversation,
            path_ids=tuple(path),
            messages=tuple(self._repo.messages(ids=wanted)),
            siblings=siblings,
            branch_cost=self._repo.path_cost(leaf_id=leaf),
            total_cost=self._repo.conversation_cost(conversation_id=conversation.id),
            branches=self._outline(tree, path),
            first_shown=first,
        )

    def _outline(self, tree: Tree, path: list[int]) -> tuple[BranchLine, ...]:
        """Every branch, by where it leaves ``path``; empty for a conversation of one branch."""
        leaves = tree.leaves()
        if len(leaves) < 2:
            return ()
        on_path = set(path)
        lines: list[tuple[int, int, int]] = []  # leaf, shared, first off the path
        for leaf in leaves:
            branch = tree.path_to(leaf)
            shared = 0
            while shared < len(branch) and branch[shared] in on_path:
                shared += 1
            first = branch[shared] if shared < len(branch) else branch[-1]
            lines.append((leaf, shared, first))
        firsts = {first: None for _leaf, _shared, first in lines}
        texts = {m.id: m for m in self._repo.messages(ids=list(firsts))}
        outline = []
        for leaf, shared, first in lines:
            message = texts[first]
            text = " ".join(message.content.split())
            outline.append(
                BranchLine(
                    leaf_id=leaf,
                    shared=shared,
                    first_id=first,
                    first_role=message.role,
                    first_text=text[:OUTLINE_TEXT] + ("…" if len(text) > OUTLINE_TEXT else ""),
                    length=len(tree.path_to(leaf)),
                    current=leaf == (path[-1] if path else None),
                )
            )
        return tuple(outline)
