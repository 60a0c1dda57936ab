"""The slash commands a composer understands: name, usage line and one-line summary.

One table, read by the parser (usage in error messages), the completion menu and the
command palette (both in assets/keys.js, fed from ``registry_rows``) and the README.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    """One command as the user sees it in completion and help."""

    name: str
    usage: str
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("model", "/model <search>", "use the model whose id or name matches"),
    CommandSpec("new", "/new", "start a new conversation"),
    CommandSpec("system", "/system <text>", "set the system prompt of this conversation"),
    CommandSpec("budget", "/budget <amount> [daily|monthly]", "set the instance's budget in USD"),
    CommandSpec("strategy", "/strategy sliding|bookends", "how a long context is cut"),
    CommandSpec("fork", "/fork", "a new conversation from the branch on show"),
    CommandSpec("export", "/export md|json", "download this conversation"),
    CommandSpec("search", "/search <words>", "find messages in every conversation"),
    CommandSpec("stats", "/stats", "open the telemetry page"),
    CommandSpec("help", "/help", "list the commands and keys"),
)

BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}


def complete(draft: str) -> list[CommandSpec]:
    """The commands a draft could become: ``/`` lists all, ``/st`` lists /strategy and /stats;
    none once the draft holds a space (the name is typed) or is no command at all."""
    if not draft.startswith("/") or any(ch.isspace() for ch in draft):
        return []
    prefix = draft[1:].lower()
    return [spec for spec in COMMANDS if spec.name.startswith(prefix)]


def match_models(search: str, models: Iterable[tuple[str, str]]) -> list[str]:
    """Model ids for ``/model <search>`` from (id, name) pairs: an exact id alone, else every
    model whose id or name holds each word (the provider is the id's part before ``/``).

    The page's picker, palette and completion match with the same rule (assets/models.js)."""
    listed = list(models)
    wanted = search.strip().lower()
    if not wanted:
        return [model_id for model_id, _ in listed]
    exact = [model_id for model_id, _ in listed if model_id.lower() == wanted]
    if exact:
        return exact
    words = wanted.split()
    return [
        model_id
        for model_id, name in listed
        if all(word in f"{model_id} {name}".lower() for word in words)
    ]


def registry_rows() -> list[dict[str, str]]:
    """The table as plain rows, for the page's completion menu and palette."""
    return [{"name": s.name, "usage": s.usage, "summary": s.summary} for s in COMMANDS]
