"""``python -m neural_terminal.provision NPM_ENCODERS_DIR [CACHE_DIR]``: provision tiktoken."""

from __future__ import annotations

import sys
from pathlib import Path

from neural_terminal.provision.tiktoken_files import provision
from neural_terminal.settings import load_settings


def main(argv: list[str]) -> int:
    """Entry point for ``make``."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cache_dir = Path(argv[1]) if len(argv) > 1 else load_settings().tiktoken_cache_dir
    written = provision(Path(argv[0]), cache_dir)
    print(f"tiktoken encodings in {cache_dir}: {len(written)} written, verified by sha256")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
