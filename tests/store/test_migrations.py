"""Alembic owns the schema: `upgrade head` on an empty database equals the models."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from neural_terminal.store import tables  # noqa: F401  (registers the tables)
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_index import is_search_index
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import alembic_config, upgrade_to_head


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # The full-text index is Alembic's by hand, not the ORM's (0009).
                "include_name": lambda name, _kind, _parents: not is_search_index(name),
            },
        )
        diff = list(compare_metadata(context, SQLModel.metadata))
    engine.dispose()
    return diff


def test_upgrade_head_matches_the_models(database_url: str) -> None:
    # The fixture's database was migrated with `upgrade head` from empty (or is a copy of one).
    assert _differences(database_url) == []


def test_downgrade_then_upgrade_round_trips(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert _differences(database_url) != []  # the tables are gone, so there is a diff
    upgrade_to_head(database_url)
    assert _differences(database_url) == []


def test_0002_keeps_existing_conversations_and_counts_their_messages(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (id, title, model, created_at, updated_at) "
                "VALUES (1, 't', 'm', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        for role in ("user", "assistant"):
            connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, role, content, status, created_at) "
                    "VALUES (1, :role, 'hi', 'complete', '2026-01-01 00:00:00')"
                ),
                {"role": role},
            )
    upgrade_to_head(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT message_count, context_strategy FROM conversations")
        ).one()
        counts = connection.execute(text("SELECT token_count FROM messages")).scalars().all()
    engine.dispose()
    assert tuple(row) == (2, "sliding")
    assert counts == [None, None]  # counted lazily, the first time a context needs them


def test_0007_turns_linear_conversations_with_retries_into_trees(database_url: str) -> None:
    """Before trees a user message had no parent and the transcript was every message in id
    order, a Retry's earlier attempt included; after 0007 the active path is that transcript
    with the replaced attempt one switch away, and the prompt of the next turn unchanged."""
    command.downgrade(alembic_config(database_url), "0006")
    engine = make_engine(database_url)
    rows = [  # id, conversation, role, content, parent, status
        (1, 1, "user", "first question", None, "complete"),
        (2, 1, "assistant", "", 1, "error"),  # failed ...
        (3, 1, "assistant", "first answer", 1, "complete"),  # ... and retried
        (4, 1, "user", "second question", None, "complete"),
        (5, 1, "assistant", "second answer", 4, "complete"),
        (6, 2, "user", "elsewhere", None, "complete"),
        (7, 2, "assistant", "cut off", 6, "interrupted"),
    ]
    with engine.begin() as connection:
        for cid in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO conversations (id, title, model, created_at, updated_at, "
                    "message_count, context_strategy) VALUES (:id, 't', 'm', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 'sliding')"
                ),
                {"id": cid},
            )
        for mid, cid, role, content, parent, status in rows:
            connection.execute(
                text(
                    "INSERT INTO messages (id, conversation_id, role, content, parent_id, "
                    "status, created_at, cost_is_estimate) VALUES (:id, :cid, :role, "
                    ":content, :parent, :status, '2026-01-01 00:00:00', false)"
                ),
                {
                    "id": mid,
                    "cid": cid,
                    "role": role,
                    "content": content,
                    "parent": parent,
                    "status": status,
                },
            )
    upgrade_to_head(database_url)
    repository = ChatRepository(engine)
    first = repository.get_conversation(conversation_id=1)
    second = repository.get_conversation(conversation_id=2)
    assert first is not None
    assert second is not None
    assert (first.active_leaf_id, second.active_leaf_id) == (5, 7)
    shown = [m.content for m in repository.path(leaf_id=first.active_leaf_id)]
    assert shown == ["first question", "first answer", "second question", "second answer"]
    assert [m.id for m in repository.path(leaf_id=second.active_leaf_id)] == [6, 7]
    tree = repository.tree(conversation_id=1)
    assert tree.siblings(3) == [2, 3]  # the failed attempt is a branch beside its retry
    depths = {m.id: m.depth for m in repository.list_messages(conversation_id=1)}
    assert depths == {1: 0, 2: 1, 3: 1, 4: 2, 5: 3}
    assert tree.newest_leaf(2) == 2
    if engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
        with engine.begin() as connection:
            for table in ("messages", "conversations"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    added = repository.add_message(conversation_id=1, role="user", content="third question")
    assert (added.parent_id, added.depth) == (5, 4)  # it follows the branch on show
    engine.dispose()
