"""Text typed in the composer -> a command value, or a parse error carrying the usage line.

Pure: no Reflex, no services. A draft that starts with ``/`` is a command and is never sent
to the model; ``//text`` sends ``/text`` as a message (the escape hatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from neural_terminal.chat.commands.registry import BY_NAME
from neural_terminal.domain.conversations import ContextStrategy
from neural_terminal.domain.periods import Period

# A budget above this is surely a typo (an extra zero or two).
MAX_BUDGET_USD = Decimal("1000000")


@dataclass(frozen=True)
class NewConversation:
    """/new"""


@dataclass(frozen=True)
class ChooseModel:
    """/model <search>"""

    search: str


@dataclass(frozen=True)
class SetSystem:
    """/system <text>"""

    text: str


@dataclass(frozen=True)
class SetBudget:
    """/budget <amount> [daily|monthly] (no period: the budget never starts again)."""

    amount: Decimal
    period: Period


@dataclass(frozen=True)
class SetStrategy:
    """/strategy sliding|bookends"""

    strategy: ContextStrategy


@dataclass(frozen=True)
class Fork:
    """/fork"""


@dataclass(frozen=True)
class Export:
    """/export md|json"""

    kind: Literal["md", "json"]


@dataclass(frozen=True)
class Search:
    """/search <words>"""

    words: str


@dataclass(frozen=True)
class Stats:
    """/stats"""


@dataclass(frozen=True)
class Help:
    """/help"""


Command = (
    NewConversation
    | ChooseModel
    | SetSystem
    | SetBudget
    | SetStrategy
    | Fork
    | Export
    | Search
    | Stats
    | Help
)


@dataclass(frozen=True)
class ParseError:
    """Shown under the composer; the draft stays as typed."""

    message: str
    usage: str = ""

    @property
    def text(self) -> str:
        """The message and, when known, the usage line."""
        return f"{self.message} Usage: {self.usage}" if self.usage else self.message


def is_command(draft: str) -> bool:
    """Whether a draft is a command (not sent to the model)."""
    return draft.lstrip().startswith("/") and not draft.lstrip().startswith("//")


def parse(draft: str) -> Command | ParseError:
    """Parse one command line."""
    text = draft.strip()
    if not text.startswith("/") or text.startswith("//"):
        return ParseError("Not a command: commands start with /.")
    name, _, rest = text[1:].partition(" ")
    name, rest = name.lower(), rest.strip()
    spec = BY_NAME.get(name)
    if spec is None:
        shown = f"/{name}" if name else "/"
        return ParseError(
            f"Unknown command {shown}: /help lists the commands "
            "(start with // to send a message that begins with /)."
        )
    result = _parse_args(name, rest)
    if isinstance(result, str):
        return ParseError(result, spec.usage)
    return result


def _parse_args(name: str, rest: str) -> Command | str:
    """The command, or what is wrong with its arguments."""
    no_args: dict[str, Command] = {
        "new": NewConversation(),
        "fork": Fork(),
        "stats": Stats(),
        "help": Help(),
    }
    if name in no_args:
        return no_args[name] if not rest else f"/{name} takes no arguments."
    if not rest and name != "system":
        return f"/{name} needs an argument."
    if name == "model":
        return ChooseModel(rest)
    if name == "system":
        return SetSystem(rest)
    if name == "search":
        return Search(rest)
    if name == "strategy":
        try:
            return SetStrategy(ContextStrategy(rest.lower()))
        except ValueError:
            return f"No strategy {rest!r}."
    if name == "export":
        kind = rest.lower()
        if kind == "md":
            return Export("md")
        if kind == "json":
            return Export("json")
        return f"No export format {rest!r}."
    return _budget(rest)


def _budget(rest: str) -> SetBudget | str:
    parts = rest.split()
    if len(parts) > 2:
        return "Too many arguments."
    amount_text = parts[0].removeprefix("$")
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        return f"{parts[0]!r} is not an amount."
    if not amount.is_finite() or amount <= 0 or amount > MAX_BUDGET_USD:
        return f"The amount must be more than 0 and at most {MAX_BUDGET_USD} USD."
    period = Period.NONE
    if len(parts) == 2:
        if parts[1].lower() not in (Period.DAILY.value, Period.MONTHLY.value):
            return f"No period {parts[1]!r}."
        period = Period(parts[1].lower())
    return SetBudget(amount, period)
