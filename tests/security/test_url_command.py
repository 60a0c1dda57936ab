"""``python -m neural_terminal url`` prints the address that lets a browser in."""

from __future__ import annotations

import io
from pathlib import Path

from neural_terminal.__main__ import main
from neural_terminal.console import Console
from neural_terminal.security import local_secret


def test_it_prints_the_address_with_the_per_install_secret(tmp_path: Path) -> None:
    token_file = tmp_path / "local-token"
    out = io.StringIO()
    console = Console(io.StringIO(), out, io.StringIO(), lambda prompt: "")

    status = main(
        ["url", "--port", "3100"],
        console=console,
        env={"NEURAL_TERMINAL_TOKEN_FILE": str(token_file)},
    )

    assert status == 0
    secret = local_secret.load_or_create(token_file)
    assert out.getvalue().strip() == f"http://127.0.0.1:3100/?token={secret}"
