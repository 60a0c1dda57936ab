"""The shape of a conversation: which message follows which, paths, siblings and branches.

Pure: built from (id, parent id) pairs, no I/O. Ids grow with time, so a child's id is always
larger than its parent's and "newest" means "largest id".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    """A message's place in the tree."""

    id: int
    parent_id: int | None


@dataclass(frozen=True)
class SiblingMark:
    """Where a message stands among the alternatives to it: ``2/3``, and its neighbours."""

    position: int  # 1-based
    count: int
    previous_id: int | None
    next_id: int | None

    @property
    def label(self) -> str:
        """``2/3``."""
        return f"{self.position}/{self.count}"


class Tree:
    """A conversation's messages as a tree (several roots when the first question was edited)."""

    def __init__(self, nodes: Iterable[Node]) -> None:
        self._parent: dict[int, int | None] = {}
        self._children: dict[int | None, list[int]] = {}
        for node in sorted(nodes, key=lambda n: n.id):
            self._parent[node.id] = node.parent_id
            self._children.setdefault(node.parent_id, []).append(node.id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._parent

    def __len__(self) -> int:
        return len(self._parent)

    def parent(self, message_id: int) -> int | None:
        """The parent of ``message_id`` (None for a root)."""
        return self._parent[message_id]

    def children(self, message_id: int | None) -> list[int]:
        """The children of ``message_id`` oldest first (None: the roots)."""
        return list(self._children.get(message_id, ()))

    def path_to(self, message_id: int | None) -> list[int]:
        """Ids from the root down to ``message_id`` (empty for None)."""
        path: list[int] = []
        node = message_id
        while node is not None:
            path.append(node)
            node = self._parent[node]
        return path[::-1]

    def newest_leaf(self, message_id: int | None = None) -> int | None:
        """The newest message under ``message_id`` (itself if it has none; None: the whole
        tree). It is always a leaf: any child would be newer."""
        if message_id is None:
            return max(self._parent, default=None)
        newest = message_id
        stack = [message_id]
        while stack:
            node = stack.pop()
            newest = max(newest, node)
            stack.extend(self._children.get(node, ()))
        return newest

    def siblings(self, message_id: int) -> list[int]:
        """``message_id`` and the alternatives to it (same parent), oldest first."""
        return self.children(self._parent[message_id])

    def sibling_mark(self, message_id: int) -> SiblingMark | None:
        """Its place among its siblings, or None when it has none."""
        siblings = self.siblings(message_id)
        if len(siblings) < 2:
            return None
        index = siblings.index(message_id)
        return SiblingMark(
            position=index + 1,
            count=len(siblings),
            previous_id=siblings[index - 1] if index > 0 else None,
            next_id=siblings[index + 1] if index + 1 < len(siblings) else None,
        )

    def leaves(self) -> list[int]:
        """Every branch's last message, oldest first."""
        return [node for node in sorted(self._parent) if not self._children.get(node)]

    def is_ancestor(self, ancestor: int, message_id: int | None) -> bool:
        """True when ``ancestor`` is on the path to ``message_id`` (itself included)."""
        node = message_id
        while node is not None:
            if node == ancestor:
                return True
            node = self._parent[node]
        return False
