"""Slash commands: a pure parser and the command table (no Reflex here)."""

from neural_terminal.chat.commands.parser import (
    ChooseModel,
    Command,
    Export,
    Fork,
    Help,
    NewConversation,
    ParseError,
    Search,
    SetBudget,
    SetStrategy,
    SetSystem,
    Stats,
    is_command,
    parse,
)
from neural_terminal.chat.commands.registry import (
    COMMANDS,
    CommandSpec,
    complete,
    match_models,
    registry_rows,
)

__all__ = [
    "COMMANDS",
    "ChooseModel",
    "Command",
    "CommandSpec",
    "Export",
    "Fork",
    "Help",
    "NewConversation",
    "ParseError",
    "Search",
    "SetBudget",
    "SetStrategy",
    "SetSystem",
    "Stats",
    "complete",
    "is_command",
    "match_models",
    "parse",
    "registry_rows",
]
