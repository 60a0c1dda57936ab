"""``python -m neural_terminal export|import`` driven in-process against one database."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from neural_terminal.__main__ import main
from neural_terminal.chat.library.exporter import LIBRARY_FILE
from neural_terminal.console import Console
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine


def _run(database_url: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    console = Console(stdin=io.StringIO(), stdout=out, stderr=err, prompt_secret=lambda _: "")
    status = main(list(argv), console=console, env={"NEURAL_TERMINAL_DATABASE_URL": database_url})
    return status, out.getvalue(), err.getvalue()


def test_export_the_library_and_one_conversation_then_import(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    repository = ChatRepository(engine)
    cid = repository.create_conversation(model="m", title="from the shell").id
    repository.add_message(conversation_id=cid, role="user", content="hello from a script")

    library = tmp_path / "all.zip"
    assert _run(sqlite_url, "export", "--out", str(library))[:2] == (0, f"wrote {library}\n")
    with zipfile.ZipFile(library) as archive:
        document = json.loads(archive.read(LIBRARY_FILE))
    assert [c["title"] for c in document["conversations"]] == ["from the shell"]

    markdown = tmp_path / "one.md"
    status, _, _ = _run(
        sqlite_url, "export", "--conversation", str(cid), "--markdown", "--out", str(markdown)
    )
    assert status == 0
    assert "hello from a script" in markdown.read_text()
    assert _run(sqlite_url, "export", "--conversation", "999")[0:3:2] == (
        1,
        "That conversation does not exist.\n",
    )

    status, out, _ = _run(sqlite_url, "import", str(library))
    assert (status, out) == (0, "Imported 1 conversation.\n")
    status, out, _ = _run(sqlite_url, "import", str(library))
    assert (status, out) == (0, "Imported 0 conversations; 1 already here (not added again).\n")
    titles = [c.title for c in repository.list_conversations()]
    assert titles.count("from the shell") == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    status, out, _ = _run(sqlite_url, "import", str(bad))
    assert status == 1
    assert "not JSON" in out
    engine.dispose()
