"""``python -m neural_terminal export ...`` and ``... import FILE``: the library from the
command line (the database of the settings; every conversation, as local mode sees them, or
one user's with ``--user`` in hosted mode).

    export                      the whole library, zipped JSON (default neural-terminal-library.zip)
    export --conversation 12    one conversation as JSON (--markdown: as Markdown, the branch
                                on show; --all-branches: every branch)
    import PATH                 our JSON export, ChatGPT's conversations.json, ShareGPT,
                                OpenAI-style messages (JSON lines too), a zip or a folder of
                                them; a large JSON array is read a conversation at a time
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import Engine

from neural_terminal.accounts.services import build_accounts
from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.library.exporter import Exporter
from neural_terminal.chat.library.importer import Importer
from neural_terminal.console import Console
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.settings import Settings
from neural_terminal.store.conversations.import_store import ImportStore
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` and ``import`` commands."""
    export = commands.add_parser("export", help="write the library (or one conversation) out")
    export.add_argument("--out", type=Path, help="the file to write")
    export.add_argument("--conversation", type=int, help="only this conversation")
    export.add_argument("--markdown", action="store_true", help="one conversation as Markdown")
    export.add_argument("--all-branches", action="store_true", help="Markdown: every branch")
    export.add_argument("--user", help="hosted mode: this user's conversations")
    export.set_defaults(run=run_export)
    imported = commands.add_parser(
        "import", help="read exports in (ours, ChatGPT's, ShareGPT, messages; zip or folder)"
    )
    imported.add_argument("file", type=Path, metavar="PATH")
    imported.add_argument("--user", help="hosted mode: into this user's library")
    imported.set_defaults(run=run_import)


def _viewer(engine: Engine, user: str | None) -> Viewer:
    """Everything (local mode), or one user's (UnknownUser when there is no such user)."""
    if not user:
        return LOCAL_OWNER
    return Viewer(build_accounts(engine).users.get(user).id)


def run_export(args: argparse.Namespace, *, console: Console, settings: Settings) -> int:
    """Write the file; 1 with a message when the conversation is not there."""
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    repository = ChatRepository(engine)
    exporter = Exporter(
        repository=repository, library=LibraryStore(engine), access=ConversationAccess(repository)
    )
    try:
        viewer = _viewer(engine, args.user)
        if args.conversation is None:
            out = args.out or Path("neural-terminal-library.zip")
            out.write_bytes(exporter.library_zip(viewer))
        elif args.markdown:
            out = args.out or Path(f"conversation-{args.conversation}.md")
            text = exporter.conversation_markdown(
                viewer, args.conversation, all_branches=args.all_branches
            )
            out.write_text(text)
        else:
            out = args.out or Path(f"conversation-{args.conversation}.json")
            out.write_bytes(exporter.conversation_json(viewer, args.conversation))
    except NeuralTerminalError as exc:
        console.complain(exc.user_message)
        return 1
    finally:
        engine.dispose()
    console.say(f"wrote {out}")
    return 0


def run_import(args: argparse.Namespace, *, console: Console, settings: Settings) -> int:
    """Import the file and print the report; 1 when nothing could be imported."""
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        viewer = _viewer(engine, args.user)
        report = Importer(ImportStore(engine)).import_path(viewer, args.file)
    except (NeuralTerminalError, OSError) as exc:
        console.complain(getattr(exc, "user_message", str(exc)))
        return 1
    finally:
        engine.dispose()
    console.say(report.text)
    return 0 if report.added or report.already else 1
