"""Other apps' exports, read into the same ImportedConversation values as ours.

- ChatGPT's data export (``conversations.json``, or several such files): every conversation's
  whole ``mapping`` tree, rebuilt from the ``parent`` pointers (``children`` lists can be
  incomplete), ``current_node`` as the branch on show. Empty and hidden nodes (the root, system
  messages the app hid) are left out, their children joined to the nearest kept ancestor.
  Text, multimodal and code contents are kept; other parts (images, files) become a visible
  placeholder. ``model_slug`` is optional; costs are unknown.
- ShareGPT (``{"conversations": [{"from": "human|gpt|system", "value": ...}]}``) and
  OpenAI-style ``{"messages": [{"role", "content"}]}`` (a file, a list, or JSON lines): linear.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from neural_terminal.domain.imports import (
    ImportedConversation,
    ImportedMessage,
    ImportReport,
    parents_first,
)

CHATGPT_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "tool": "assistant"}
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "chatgpt": "assistant"}
SHAREGPT_ROLES |= {"assistant": "assistant", "system": "system", "bing": "assistant"}


def kind_of(raw: Any) -> str | None:
    """``chatgpt``, ``sharegpt``, ``messages`` or None, by one conversation's shape."""
    if not isinstance(raw, dict):
        return None
    if "mapping" in raw:
        return "chatgpt"
    if isinstance(raw.get("conversations"), list):
        return "sharegpt"
    if isinstance(raw.get("messages"), list):
        return "messages"
    return None


def parse_foreign(
    kind: str, raw: Any, where: str, report: ImportReport
) -> ImportedConversation | None:
    """One conversation of a foreign file, or None (the reason goes in ``report``)."""
    if not isinstance(raw, dict):
        report.skipped.append(f"{where}: not an object")
        return None
    parsed = {"chatgpt": _chatgpt, "sharegpt": _sharegpt, "messages": _messages}[kind](
        raw, where, report
    )
    if parsed is not None and not parsed.messages:
        report.skipped.append(f"{where} ({parsed.title!r}): no message with text")
        return None
    return parsed


def _chatgpt(raw: dict[str, Any], where: str, report: ImportReport) -> ImportedConversation | None:
    mapping = raw.get("mapping")
    if not isinstance(mapping, dict):
        report.skipped.append(f"{where}: 'mapping' is not an object")
        return None
    parents: dict[str, str | None] = {}
    kept: dict[str, ImportedMessage] = {}
    for node_id, node in mapping.items():
        if not isinstance(node, dict):
            continue
        parent = node.get("parent")
        parents[str(node_id)] = str(parent) if isinstance(parent, str) else None
        message = _chatgpt_message(str(node_id), node.get("message"))
        if message is not None:
            kept[str(node_id)] = message

    def kept_ancestor(node_id: str | None) -> str | None:
        seen: set[str] = set()
        while node_id is not None and node_id not in kept and node_id not in seen:
            seen.add(node_id)
            node_id = parents.get(node_id)
        return node_id if node_id in kept else None

    messages = {
        node_id: _with_parent(message, kept_ancestor(parents.get(node_id)))
        for node_id, message in kept.items()
    }
    current = raw.get("current_node")
    title = raw.get("title") if isinstance(raw.get("title"), str) else None
    models = [m.model for m in messages.values() if m.model]
    return ImportedConversation(
        key=f"chatgpt:{raw.get('conversation_id') or raw.get('id') or _digest(raw)}"[:80],
        title=" ".join((title or "ChatGPT conversation").split())[:200],
        model=models[-1] if models else "unknown",
        messages=tuple(parents_first(sorted(messages.values(), key=_oldest_first))),
        active_leaf=kept_ancestor(str(current)) if isinstance(current, str) else None,
    )


def _chatgpt_message(node_id: str, message: Any) -> ImportedMessage | None:
    """A node's message, or None for an empty or hidden one."""
    if not isinstance(message, dict):
        return None
    author = _obj(message, "author")
    role = CHATGPT_ROLES.get(str(author.get("role")))
    metadata = _obj(message, "metadata")
    if role is None or metadata.get("is_visually_hidden_from_conversation"):
        return None
    text = _chatgpt_text(message.get("content"))
    if not text.strip():
        return None
    if author.get("role") == "tool":
        text = f"[tool {author.get('name') or ''}]".replace(" ]", "]") + "\n" + text
    model = metadata.get("model_slug")
    created = message.get("create_time")
    return ImportedMessage(
        source_id=node_id,
        parent=None,
        role=role,
        content=text,
        model=model if isinstance(model, str) else None,
        created_at=datetime.fromtimestamp(created, UTC)
        if isinstance(created, int | float)
        else None,
    )


def _chatgpt_text(content: Any) -> str:
    """Text of any content type; what is not text stays visible as ``[image]``, ``[file]``..."""
    if not isinstance(content, dict):
        return ""
    kind = str(content.get("content_type") or "text")
    if isinstance(content.get("text"), str):
        text = content["text"]
        return f"```\n{text}\n```" if kind == "code" else text
    pieces = []
    for part in content.get("parts") or []:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            inner = part.get("content_type") or part.get("type") or "attachment"
            pieces.append("[image]" if "image" in str(inner) else f"[{inner}]")
    return "\n".join(piece for piece in pieces if piece)


def _sharegpt(raw: dict[str, Any], where: str, report: ImportReport) -> ImportedConversation:
    turns = [
        (SHAREGPT_ROLES.get(str(t.get("from")).lower()), t.get("value"))
        for t in raw["conversations"]
        if isinstance(t, dict)
    ]
    return _linear("sharegpt", raw, turns, where, report)


def _messages(raw: dict[str, Any], where: str, report: ImportReport) -> ImportedConversation:
    turns = [
        (
            t.get("role") if t.get("role") in ("user", "assistant", "system") else None,
            t.get("content"),
        )
        for t in raw["messages"]
        if isinstance(t, dict)
    ]
    return _linear("messages", raw, turns, where, report)


def _linear(
    kind: str,
    raw: dict[str, Any],
    turns: list[tuple[str | None, Any]],
    where: str,
    report: ImportReport,
) -> ImportedConversation:
    messages: list[ImportedMessage] = []
    for position, (role, text) in enumerate(turns, start=1):
        if role is None or not isinstance(text, str):
            report.skipped.append(f"{where}, message {position}: no known role or no text")
            continue
        parent = messages[-1].source_id if messages else None
        messages.append(ImportedMessage(str(position), parent, role, text))
    first_user = next((m.content for m in messages if m.role == "user"), "")
    title = raw.get("title") if isinstance(raw.get("title"), str) else first_user
    return ImportedConversation(
        key=f"{kind}:{raw.get('id') or _digest(raw)}"[:80],
        title=" ".join((title or f"Imported {kind} conversation").split())[:60] or kind,
        model=str(raw.get("model") or "unknown"),
        messages=tuple(messages),
    )


def _oldest_first(message: ImportedMessage) -> tuple[bool, float]:
    """Alternatives in the order they were written (unknown times last)."""
    moment = message.created_at
    return moment is None, moment.timestamp() if moment is not None else 0.0


def _with_parent(message: ImportedMessage, parent: str | None) -> ImportedMessage:
    return ImportedMessage(**{**message.__dict__, "parent": parent})


def _time(seconds: Any) -> datetime | None:
    """A Unix time (ChatGPT's ``create_time``; streamed JSON reads it as a Decimal)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | Decimal):
        return None
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _obj(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _digest(raw: Any) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]
