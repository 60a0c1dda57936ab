"""``python -m tests.e2e.frontends N LOG_DIR``: build the frontends of N browser-test shares.

``make test`` runs this beside ruff and mypy, so that the shares' first apps start at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e.server import build_frontend


def main(argv: list[str]) -> int:
    """Build every share's frontend at once; fail if any build fails."""
    shares, log_dir = int(argv[0]), Path(argv[1])
    log_dir.mkdir(parents=True, exist_ok=True)
    builds = {k: build_frontend(k, log_dir / f"frontend-{k}.log") for k in range(1, shares + 1)}
    failed = [k for k, build in builds.items() if build.wait() != 0]
    for k in builds:
        lines = (log_dir / f"frontend-{k}.log").read_text().splitlines()
        print(f"share {k}/{shares}: {lines[-1] if lines else '(no output)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
