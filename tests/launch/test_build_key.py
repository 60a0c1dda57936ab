"""The build key changes exactly when something the frontend is built from changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from neural_terminal.launch.build_key import build_key

URL = "http://localhost:3000"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small tree shaped like the project."""
    (tmp_path / "neural_terminal" / "ui").mkdir(parents=True)
    (tmp_path / "neural_terminal" / "ui" / "page.py").write_text("TITLE = 'a'\n")
    (tmp_path / "neural_terminal" / "chat").mkdir()
    (tmp_path / "neural_terminal" / "chat" / "limits.py").write_text("MAX = 1\n")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "terminal.css").write_text("body { color: green }\n")
    (tmp_path / "reflex.lock").mkdir()
    (tmp_path / "reflex.lock" / "package.json").write_text('{\n  "name": "reflex"\n}\n')
    (tmp_path / "rxconfig.py").write_text("config = None\n")
    (tmp_path / "requirements.txt").write_text("reflex==0.10.1\n")
    return tmp_path


def _key(root: Path, **env: str) -> str:
    return build_key(root, api_url=URL, env={"REFLEX_TELEMETRY_ENABLED": "false", **env})


def test_the_same_inputs_give_the_same_key(project: Path) -> None:
    assert _key(project) == _key(project)


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param("neural_terminal/ui/page.py", id="a-ui-source"),
        pytest.param("neural_terminal/chat/limits.py", id="a-service-the-page-imports"),
        pytest.param("assets/terminal.css", id="an-asset"),
        pytest.param("rxconfig.py", id="the-reflex-config"),
        pytest.param("requirements.txt", id="the-pinned-packages"),
        pytest.param("neural_terminal/ui/new_panel.py", id="a-new-source"),
    ],
)
def test_a_changed_input_changes_the_key(project: Path, changed: str) -> None:
    before = _key(project)
    path = project / changed
    path.write_text((path.read_text() if path.exists() else "") + "# changed\n")
    assert _key(project) != before


def test_a_removed_source_changes_the_key(project: Path) -> None:
    before = _key(project)
    (project / "neural_terminal" / "chat" / "limits.py").unlink()
    assert _key(project) != before


def test_the_api_url_and_reflex_settings_are_inputs(project: Path) -> None:
    before = _key(project)
    assert build_key(project, api_url="http://localhost:3001", env={}) != build_key(
        project, api_url=URL, env={}
    )
    assert _key(project, REFLEX_FRONTEND_PATH="/app") != before


def test_caches_and_other_settings_are_not_inputs(project: Path) -> None:
    before = _key(project)
    cache = project / "neural_terminal" / "ui" / "__pycache__"
    cache.mkdir()
    (cache / "page.cpython-311.pyc").write_bytes(b"\0compiled")
    (project / "assets" / "external").mkdir()
    (project / "assets" / "external" / "linked.js").write_text("// Reflex's own copy\n")
    assert _key(project, NEURAL_TERMINAL_DATABASE_URL="sqlite:///x.db") == before


def test_reflex_rewriting_its_lock_json_in_its_own_form_is_no_change(project: Path) -> None:
    before = _key(project)
    (project / "reflex.lock" / "package.json").write_text('{"name": "reflex"}')
    assert _key(project) == before
