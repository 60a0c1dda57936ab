"""``python -m neural_terminal COMMAND ...``: the operator's commands.

``users``: manage the local accounts of hosted mode (neural_terminal/accounts/cli.py).
``url``: print local mode's address with its token (neural_terminal/security/url_command.py).
``export``, ``import``: the library to and from files (neural_terminal/chat/library/cli.py). A new
command is a module with ``register(subparsers)`` that sets ``run`` as the parser's default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from neural_terminal.accounts import cli as users_cli
from neural_terminal.chat.library import cli as library_cli
from neural_terminal.console import Console
from neural_terminal.security import url_command
from neural_terminal.settings import load_settings

COMMANDS = (users_cli, url_command, library_cli)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m neural_terminal")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(
    argv: list[str], *, console: Console | None = None, env: Mapping[str, str] | None = None
) -> int:
    """Run one command; its exit status. ``env`` defaults to the process environment."""
    args = build_parser().parse_args(argv)
    return int(args.run(args, console=console or Console.standard(), settings=load_settings(env)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
