"""``python -m neural_terminal url [--port P]``: print the address that lets a browser in."""

from __future__ import annotations

import argparse

from neural_terminal.console import Console
from neural_terminal.security import local_secret
from neural_terminal.settings import Settings


def unlock_url(settings: Settings, port: int) -> str:
    """Local mode's address with its per-install secret (what `make run` prints)."""
    return f"http://127.0.0.1:{port}/?token={local_secret.install_secret(settings)}"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``url`` command to the program's parser."""
    parser = commands.add_parser("url", help="print the address that lets a browser in")
    parser.add_argument("--port", type=int, default=3000, help="the port the app serves on")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, *, console: Console, settings: Settings) -> int:
    """Print the address."""
    console.say(unlock_url(settings, args.port))
    return 0
