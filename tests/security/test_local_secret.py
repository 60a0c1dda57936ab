"""Local mode's per-install secret: made once, private, and never the cookie itself."""

from __future__ import annotations

import stat
from pathlib import Path

from neural_terminal.security import local_secret


def test_the_secret_is_made_once_and_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "data" / "local-token"

    first = local_secret.load_or_create(path)
    again = local_secret.load_or_create(path)

    assert first == again
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_cookie_is_derived_from_the_secret_and_does_not_reveal_it() -> None:
    value = local_secret.cookie_value("s3cret")

    assert "s3cret" not in value
    assert value == local_secret.cookie_value("s3cret")
    assert value != local_secret.cookie_value("s3cret2")
    assert local_secret.cookie_name(3000) != local_secret.cookie_name(3001)
