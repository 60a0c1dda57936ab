"""Usernames: compared and stored lower-case, 1-64 characters of a-z, 0-9, '.', '_', '-'."""

from __future__ import annotations

import re

from neural_terminal.domain.errors import InvalidUsername

MAX_USERNAME_LENGTH = 64
USERNAME = re.compile(rf"[a-z0-9._-]{{1,{MAX_USERNAME_LENGTH}}}")


def normalise_username(raw: str) -> str:
    """The name as stored and looked up: without surrounding spaces, in lower case."""
    return raw.strip().lower()


def valid_username(raw: str) -> str:
    """The normalised name, or InvalidUsername when it breaks the rule above."""
    username = normalise_username(raw)
    # fullmatch, not match with "$": "$" would also accept a trailing newline.
    if USERNAME.fullmatch(username) is None:
        raise InvalidUsername(detail=f"username {raw[:80]!r}")
    return username
