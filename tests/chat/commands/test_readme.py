"""The README's command table lists every command the parser knows, with its usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from neural_terminal.chat.commands import COMMANDS, CommandSpec

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.parametrize("spec", COMMANDS, ids=[c.name for c in COMMANDS])
def test_the_readme_lists_the_command(spec: CommandSpec) -> None:
    # Markdown tables escape | inside a cell.
    assert f"`{spec.usage.replace('|', chr(92) + '|')}`" in README.read_text(encoding="utf-8")
