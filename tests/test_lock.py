"""requirements.txt is the lock of pyproject.toml: every direct pin in it, every line hashed."""

from __future__ import annotations

import re
import tomllib

from neural_terminal.settings import PROJECT_ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _locked() -> dict[str, str]:
    text = (PROJECT_ROOT / "requirements.txt").read_text()
    return {_name(match[1]): match[2] for line in text.splitlines() if (match := PIN.match(line))}


def test_every_direct_dependency_is_locked_at_its_pinned_version() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    direct = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = _locked()
    for requirement in direct:
        match = PIN.match(requirement)
        assert match, f"{requirement}: pin direct dependencies exactly (==)"
        assert locked.get(_name(match[1])) == match[2], f"run `make lock` for {requirement}"


def test_every_locked_package_carries_hashes() -> None:
    text = (PROJECT_ROOT / "requirements.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert len(entries) == len(_locked()) > 50
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
