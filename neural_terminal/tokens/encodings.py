"""tiktoken encodings that never touch the network.

tiktoken downloads its BPE files on first use. ``make`` provisions them into a cache directory
(see :mod:`neural_terminal.provision.tiktoken_files`) under the file names tiktoken itself
uses, and tiktoken checks each file against its published SHA-256 when it loads it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from pathlib import Path

import tiktoken

# name -> (the URL tiktoken would download, the SHA-256 tiktoken expects); from tiktoken_ext.
KNOWN_ENCODINGS: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

_lock = threading.Lock()


class EncodingsMissing(RuntimeError):
    """Raised at start-up when the encodings were not provisioned; tells the operator how."""


def cache_file_name(name: str) -> str:
    """The file name tiktoken looks for in ``TIKTOKEN_CACHE_DIR`` for encoding ``name``."""
    url, _ = KNOWN_ENCODINGS[name]
    return hashlib.sha1(url.encode()).hexdigest()


def use_cache_dir(cache_dir: Path) -> None:
    """Point tiktoken at ``cache_dir`` and fail loudly if an encoding is missing there."""
    missing = [n for n in KNOWN_ENCODINGS if not (cache_dir / cache_file_name(n)).is_file()]
    if missing:
        raise EncodingsMissing(
            f"tiktoken encodings {missing} are not in {cache_dir}; "
            "run `make setup` (or `python -m neural_terminal.provision`)."
        )
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """Load ``name`` once per process (thread-safe); needs :func:`use_cache_dir` first."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        raise EncodingsMissing("call use_cache_dir() before loading a tiktoken encoding")
    with _lock:
        return tiktoken.get_encoding(name)
