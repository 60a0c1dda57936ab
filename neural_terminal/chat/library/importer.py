"""Import: our own JSON export, ChatGPT's data export, ShareGPT and OpenAI-style messages
(a file, JSON lines, or a zip of them) into the library (foreign.py reads the others').

Whatever is valid goes in and the report names exactly what was left out and why; each
conversation is stored whole or not at all. Importing the same conversation again adds
nothing (its key is a digest of what the file says about it). Imported costs are kept for
the record and never counted against a budget here.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from neural_terminal.chat.library.export import FORMAT, VERSION
from neural_terminal.chat.library.foreign import kind_of, parse_foreign
from neural_terminal.chat.library.reading import Found, read_path, read_stream
from neural_terminal.domain.imports import (
    ImportedConversation,
    ImportedMessage,
    ImportedSummary,
    ImportReport,
    parents_first,
)
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.import_store import ImportStore

ROLES = ("user", "assistant", "system")
STATUSES = ("complete", "interrupted", "error")


class NotImportable(ValueError):
    """A part of a file that cannot be imported; the message says why."""


class Importer:
    """Reads files and stores what they hold for a viewer, a conversation at a time."""

    def __init__(self, store: ImportStore) -> None:
        self._store = store

    def import_file(self, viewer: Viewer, data: bytes, *, name: str) -> ImportReport:
        """Import what a file holds (an upload); never raises for bad content."""
        report = ImportReport()
        self._store_all(viewer, read_stream(io.BytesIO(data), name, report), report)
        return report

    def import_path(self, viewer: Viewer, path: Path) -> ImportReport:
        """Import a file, or a folder of them, streamed; never raises for bad content."""
        report = ImportReport()
        self._store_all(viewer, read_path(path, report), report)
        return report

    def _store_all(self, viewer: Viewer, found: Iterator[Found], report: ImportReport) -> None:
        counts: dict[str, int] = {}
        for label, value in found:
            counts[label] = counts.get(label, 0) + 1
            for conversation in _conversations(value, label, counts[label], report):
                added = self._store.add(conversation, owner_id=viewer.user_id)
                if added is None:
                    report.already.append(conversation.title)
                else:
                    report.added.append((added, conversation.title))


def _conversations(
    value: Any, label: str, index: int, report: ImportReport
) -> Iterator[ImportedConversation]:
    """Ours (a whole export), or one of ChatGPT's, ShareGPT or OpenAI-style conversations."""
    if isinstance(value, dict) and "format" in value:
        yield from parse_export(value, label, report)
        return
    kind = kind_of(value)
    if kind is None:
        report.skipped.append(
            f"{label}: not a format this app reads (ours, ChatGPT's conversations.json, "
            "ShareGPT, or OpenAI-style messages)"
        )
        return
    parsed = parse_foreign(kind, value, f"{label}: conversation {index}", report)
    if parsed is not None:
        yield parsed


def parse_export(document: Any, label: str, report: ImportReport) -> Iterator[ImportedConversation]:
    """The valid conversations of one of our export documents; the rest goes in ``report``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        report.skipped.append(f"{label}: not a Neural Terminal export (no format {FORMAT!r})")
        return
    if document.get("version") != VERSION:
        report.skipped.append(
            f"{label}: export version {document.get('version')!r}; this app reads {VERSION}"
        )
        return
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        report.skipped.append(f"{label}: 'conversations' is not a list")
        return
    for index, raw in enumerate(conversations, start=1):
        where = f"{label}: conversation {index}"
        try:
            yield _conversation(raw, where, report)
        except NotImportable as exc:
            report.skipped.append(f"{where}: {exc}")


def _conversation(raw: Any, where: str, report: ImportReport) -> ImportedConversation:
    if not isinstance(raw, dict):
        raise NotImportable("not an object")
    title = _text(raw, "title") or "Imported conversation"
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise NotImportable("'messages' is not a list")
    parsed: dict[str, ImportedMessage] = {}
    for position, item in enumerate(messages, start=1):
        try:
            message = _message(item)
        except NotImportable as exc:
            report.skipped.append(f"{where} ({title!r}), message {position}: {exc}")
            continue
        if message.source_id in parsed:
            report.skipped.append(f"{where} ({title!r}): message id {message.source_id} twice")
            continue
        parsed[message.source_id] = message
    ordered = parents_first(parsed.values())
    for lost in sorted(set(parsed) - {m.source_id for m in ordered}):
        report.skipped.append(
            f"{where} ({title!r}), message {lost}: its parent is missing or left out"
        )
    if not ordered:
        raise NotImportable("no message could be read")
    listed = raw.get("summaries")
    summaries = tuple(
        _summary(s) for s in (listed if isinstance(listed, list) else []) if isinstance(s, dict)
    )
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return ImportedConversation(
        key=f"nt:{digest}",
        title=" ".join(title.split())[:200],
        model=_text(raw, "model") or "unknown",
        messages=tuple(ordered),
        system_prompt=_text(raw, "system_prompt"),
        context_strategy=_strategy(raw.get("context_strategy")),
        active_leaf=_text(raw, "active_leaf"),
        summaries=summaries,
        pinned=raw.get("pinned") is True,
        archived=raw.get("archived") is True,
    )


def _message(raw: Any) -> ImportedMessage:
    if not isinstance(raw, dict):
        raise NotImportable("not an object")
    source_id = _text(raw, "id")
    if not source_id:
        raise NotImportable("no id")
    role = raw.get("role")
    if role not in ROLES:
        raise NotImportable(f"role {role!r} is not user, assistant or system")
    content = raw.get("content")
    if not isinstance(content, str):
        raise NotImportable("its content is not text")
    tokens, cost, timing = (_object(raw, key) for key in ("tokens", "cost", "timing"))
    return ImportedMessage(
        source_id=source_id,
        parent=_text(raw, "parent"),
        role=role,
        content=content,
        status=_status(raw.get("status")),
        error=_text(raw, "error"),
        model=_text(raw, "model"),
        created_at=_time(raw.get("created_at")),
        generation_id=_text(raw, "generation_id"),
        prompt_tokens=_int(tokens.get("prompt")),
        completion_tokens=_int(tokens.get("completion")),
        reasoning_tokens=_int(tokens.get("reasoning")),
        cached_tokens=_int(tokens.get("cached")),
        token_count=_int(tokens.get("count")),
        token_encoding=_text(tokens, "encoding"),
        cost_usd=_usd(cost.get("usd")),
        cost_source=_text(cost, "source"),
        cost_is_estimate=cost.get("is_estimate") is True,
        computed_cost_usd=_usd(cost.get("computed_usd")),
        estimate_usd=_usd(cost.get("estimate_usd")),
        drift_usd=_usd(cost.get("drift_usd"), signed=True),
        first_token_ms=_int(timing.get("first_token_ms")),
        total_ms=_int(timing.get("total_ms")),
    )


def _summary(raw: dict[str, Any]) -> ImportedSummary:
    return ImportedSummary(
        first=str(raw.get("first")),
        last=str(raw.get("last")),
        message_count=_int(raw.get("message_count")) or 0,
        content=_text(raw, "content") or "",
        model=_text(raw, "model") or "unknown",
        prompt_tokens=_int(raw.get("prompt_tokens")),
        completion_tokens=_int(raw.get("completion_tokens")),
        cost_usd=_usd(raw.get("cost_usd")),
        created_at=_time(raw.get("created_at")),
    )


def _strategy(value: Any) -> str:
    return value if value in ("sliding", "bookends") else "sliding"


def _status(value: Any) -> str:
    """A stored status; a reply exported while it streamed was cut there: interrupted."""
    if value in STATUSES:
        return str(value)
    return "interrupted" if value == "streaming" else "complete"


def _object(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value != "" else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _usd(value: Any, *, signed: bool = False) -> Decimal | None:
    """Money as exact text; a float would have rounded it already, so it is refused. Only
    a drift (billed minus estimate) may be negative."""
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and (signed or amount >= 0) else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
