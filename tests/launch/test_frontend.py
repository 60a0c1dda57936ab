"""Building the frontend only when its key changed, and never trusting a failed build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from neural_terminal.launch.frontend import KEY_FILE, built_site, ensure_built, is_fresh

# Stands in for `reflex export`: counts its runs and writes the site (or fails when asked).
FAKE_EXPORT = """
import pathlib, sys
web = pathlib.Path(sys.argv[1])
runs = web / "runs"
runs.write_text(str(int(runs.read_text()) + 1) if runs.exists() else "1")
if sys.argv[2] == "fail":
    raise SystemExit(3)
site = web / "build" / "client"
site.mkdir(parents=True, exist_ok=True)
(site / "index.html").write_text("<html></html>")
"""


def _build(web: Path, key: str, *, outcome: str = "ok") -> bool:
    export = [sys.executable, "-c", FAKE_EXPORT, str(web), outcome]
    return ensure_built(web, key, export=export, env={}, cwd=web.parent)


def _runs(web: Path) -> int:
    return int((web / "runs").read_text())


def test_a_build_with_the_same_key_is_reused(tmp_path: Path) -> None:
    web = tmp_path / "web"
    assert _build(web, "key-1") is True
    assert _build(web, "key-1") is False
    assert _runs(web) == 1
    assert is_fresh(web, "key-1")
    assert (built_site(web) / "index.html").is_file()


def test_a_changed_key_rebuilds(tmp_path: Path) -> None:
    web = tmp_path / "web"
    _build(web, "key-1")
    assert _build(web, "key-2") is True
    assert _runs(web) == 2
    assert not is_fresh(web, "key-1")


def test_a_failed_build_is_never_taken_for_a_good_one(tmp_path: Path) -> None:
    web = tmp_path / "web"
    _build(web, "key-1")
    with pytest.raises(subprocess.CalledProcessError):
        _build(web, "key-2", outcome="fail")
    assert not (web / KEY_FILE).exists()  # not even the old key: the old site may be half gone
    assert _build(web, "key-1") is True
    assert _runs(web) == 3


def test_a_site_deleted_under_its_key_is_rebuilt(tmp_path: Path) -> None:
    web = tmp_path / "web"
    _build(web, "key-1")
    (built_site(web) / "index.html").unlink()
    assert _build(web, "key-1") is True
