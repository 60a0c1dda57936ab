"""A conversation as a Markdown document to read: the branch on show, or every branch each
under its own heading, with a cost line under every reply."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from neural_terminal.domain.conversations import ConversationInfo, StoredMessage
from neural_terminal.domain.tree import Node, Tree

SPEAKERS = {"user": "You", "assistant": "Assistant", "system": "System"}


def _cost_line(message: StoredMessage) -> str:
    parts = [message.model or "?"]
    if message.prompt_tokens is not None or message.completion_tokens is not None:
        parts.append(f"{message.prompt_tokens or 0:,} in / {message.completion_tokens or 0:,} out")
    if message.cost_usd is None:
        parts.append("cost unknown")
    else:
        estimate = " (estimate)" if message.cost_is_estimate else ""
        parts.append(f"${format(message.cost_usd, 'f')}{estimate}")
    if message.status != "complete":
        parts.append(message.status)
    return "*" + " · ".join(parts) + "*"


def _path_markdown(path: list[StoredMessage]) -> list[str]:
    lines: list[str] = []
    for message in path:
        lines += [f"**{SPEAKERS.get(message.role, message.role)}:**", "", message.content or "", ""]
        if message.role == "assistant":
            lines += [_cost_line(message), ""]
    return lines


def conversation_markdown(
    conversation: ConversationInfo,
    messages: Iterable[StoredMessage],
    *,
    total_usd: Decimal,
    all_branches: bool,
) -> str:
    """The document; with ``all_branches`` every path from a root to a leaf, each whole.
    ``total_usd`` is what the conversation cost, every branch and summary."""
    by_id = {m.id: m for m in messages}
    tree = Tree(Node(m.id, m.parent_id) for m in by_id.values())
    lines = [f"# {conversation.title}", ""]
    lines.append(
        f"model `{conversation.model}` · {len(by_id):,} messages · ${format(total_usd, 'f')} in all"
    )
    lines.append("")
    if conversation.system_prompt:
        lines += ["**System:**", "", conversation.system_prompt, ""]
    leaves = tree.leaves() if all_branches else [conversation.active_leaf_id or tree.newest_leaf()]
    for number, leaf in enumerate(leaves, start=1):
        if leaf is None:
            continue
        if all_branches:
            current = " (on show)" if leaf == conversation.active_leaf_id else ""
            lines += [f"## Branch {number} of {len(leaves)}{current}", ""]
        lines += _path_markdown([by_id[i] for i in tree.path_to(leaf)])
    return "\n".join(lines).rstrip() + "\n"
