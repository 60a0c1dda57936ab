"""What the built frontend depends on, as one digest: unchanged inputs, reusable build.

Reflex compiles the page from the Python that defines it, and the page imports most of the
package (state classes, their value types, formatting), so every Python source counts, with
the assets, the Reflex configuration and lock, the pinned packages, the API URL the bundle
has baked in, and every ``REFLEX_`` setting. Counting too much costs a rebuild; counting too
little would serve a stale page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

# Paths relative to the project root; folders are walked, caches inside them skipped.
BUILD_INPUTS = ("neural_terminal", "assets", "rxconfig.py", "reflex.lock", "requirements.txt")
_SKIPPED_PARTS = frozenset({"__pycache__", "external"})  # assets/external: Reflex's symlinks
_SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})


def build_key(root: Path, *, api_url: str, env: Mapping[str, str]) -> str:
    """A hex digest that changes whenever the frontend built from ``root`` would."""
    digest = hashlib.sha256()
    for path in sorted(_input_files(root)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(_content(path)).digest())
    digest.update(f"api_url={api_url}\0".encode())
    for name in sorted(key for key in env if key.startswith("REFLEX_")):
        digest.update(f"{name}={env[name]}\0".encode())
    return digest.hexdigest()


def _content(path: Path) -> bytes:
    """A file's bytes; JSON by its parsed value (Reflex rewrites reflex.lock's in its own form)."""
    data = path.read_bytes()
    if path.suffix != ".json":
        return data
    try:
        return json.dumps(json.loads(data), sort_keys=True).encode()
    except ValueError:
        return data


def _input_files(root: Path) -> Iterator[Path]:
    for name in BUILD_INPUTS:
        top = root / name
        candidates = [top] if top.is_file() else top.rglob("*")
        for path in candidates:
            relative = path.relative_to(root).parts
            if _SKIPPED_PARTS.intersection(relative) or path.suffix in _SKIPPED_SUFFIXES:
                continue
            if path.is_file():
                yield path
