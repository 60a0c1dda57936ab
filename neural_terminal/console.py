"""The terminal a command talks to: its streams and its password prompt, injectable in tests."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Console:
    """Standard input, output and error, and a prompt that does not echo what is typed."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    prompt_secret: Callable[[str], str]

    @classmethod
    def standard(cls) -> Console:
        """The process's own terminal (``getpass`` reads from the tty, not standard input)."""
        return cls(sys.stdin, sys.stdout, sys.stderr, getpass.getpass)

    def say(self, text: str) -> None:
        """Print one line of output."""
        print(text, file=self.stdout)

    def complain(self, text: str) -> None:
        """Print one line to standard error."""
        print(text, file=self.stderr)
