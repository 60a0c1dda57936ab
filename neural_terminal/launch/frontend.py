"""Build the static frontend with ``reflex export`` unless the last build had the same inputs."""

from __future__ import annotations

import fcntl
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

KEY_FILE = "neural-terminal-build.key"
LOCK_FILE = "neural-terminal-build.lock"
CLIENT_DIR = Path("build") / "client"  # where Reflex's export writes the site (--no-zip)


def built_site(web_dir: Path) -> Path:
    """The folder of the built site inside a Reflex web workdir."""
    return web_dir / CLIENT_DIR


def is_fresh(web_dir: Path, key: str) -> bool:
    """True when ``web_dir`` holds a complete build made from inputs with this ``key``."""
    key_file = web_dir / KEY_FILE
    if not key_file.is_file() or not (built_site(web_dir) / "index.html").is_file():
        return False
    return key_file.read_text().strip() == key


def ensure_built(
    web_dir: Path, key: str, *, export: Sequence[str], env: Mapping[str, str], cwd: Path
) -> bool:
    """Run ``export`` (in ``cwd``, with ``env``) unless the build is fresh; True if it ran.

    The key is removed before building and written only after a successful build, so an
    interrupted or failed build is never taken for a good one. A lock keeps two launchers
    on one workdir from building over each other.
    """
    web_dir.mkdir(parents=True, exist_ok=True)
    with _locked(web_dir / LOCK_FILE):
        if is_fresh(web_dir, key):
            return False
        (web_dir / KEY_FILE).unlink(missing_ok=True)
        subprocess.run(list(export), cwd=cwd, env=dict(env), check=True)
        if not (built_site(web_dir) / "index.html").is_file():
            raise RuntimeError(f"the export finished but wrote no {built_site(web_dir)}")
        (web_dir / KEY_FILE).write_text(key + "\n")
        return True


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
