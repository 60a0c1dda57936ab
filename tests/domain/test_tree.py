"""The tree's shape from (id, parent) pairs: paths, siblings, newest leaves, branches."""

from __future__ import annotations

from neural_terminal.domain.tree import Node, SiblingMark, Tree

#   1 user ─┬─ 2 reply (failed) ── 4 user ── 5 reply
#           └─ 3 reply (retry)  ── 6 user ─┬─ 7 reply
#                                          └─ 8 reply (regenerated)
#   9 user (the first question, edited: a second root) ── 10 reply
PARENTS = {1: None, 2: 1, 3: 1, 4: 2, 5: 4, 6: 3, 7: 6, 8: 6, 9: None, 10: 9}
TREE = Tree(Node(i, p) for i, p in PARENTS.items())


def test_a_path_runs_from_its_root_down() -> None:
    assert TREE.path_to(5) == [1, 2, 4, 5]
    assert TREE.path_to(8) == [1, 3, 6, 8]
    assert TREE.path_to(10) == [9, 10]
    assert TREE.path_to(None) == []


def test_siblings_are_the_alternatives_with_the_same_parent() -> None:
    assert TREE.siblings(3) == [2, 3]
    assert TREE.siblings(9) == [1, 9]  # roots are siblings of each other
    assert TREE.sibling_mark(3) == SiblingMark(position=2, count=2, previous_id=2, next_id=None)
    assert TREE.sibling_mark(7) == SiblingMark(position=1, count=2, previous_id=None, next_id=8)
    assert TREE.sibling_mark(4) is None
    assert TREE.sibling_mark(3) is not None
    assert TREE.sibling_mark(3).label == "2/2"  # type: ignore[union-attr]


def test_switching_to_a_message_shows_its_newest_branch() -> None:
    assert TREE.newest_leaf(3) == 8
    assert TREE.newest_leaf(2) == 5
    assert TREE.newest_leaf(1) == 8
    assert TREE.newest_leaf(10) == 10
    assert TREE.newest_leaf() == 10
    assert Tree([]).newest_leaf() is None


def test_leaves_are_the_branches() -> None:
    assert TREE.leaves() == [5, 7, 8, 10]
    assert TREE.is_ancestor(3, 8)
    assert not TREE.is_ancestor(2, 8)
    assert len(TREE) == 10
    assert 10 in TREE
    assert 11 not in TREE
