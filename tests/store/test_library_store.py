"""Shelves on SQLite and PostgreSQL: pinned first, archive and trash apart, costs summed by the
database, purge removing every word and keeping every cost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from neural_terminal.domain.conversations import MessageStatus, Shelf
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.library_store import PURGED_TITLE, LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import utcnow


@pytest.fixture
def library(database_url: str) -> Iterator[LibraryStore]:
    engine = make_engine(database_url)
    yield LibraryStore(engine)
    engine.dispose()


def _with_reply(repository: ChatRepository, title: str, cost: str) -> int:
    conversation = repository.create_conversation(model="m", title=title)
    repository.add_message(conversation_id=conversation.id, role="user", content=f"{title}?")
    reply = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="",
        status=MessageStatus.STREAMING,
    )
    repository.finish_message(
        message_id=reply.id,
        content=f"{title}!",
        status=MessageStatus.COMPLETE,
        cost_usd=Decimal(cost),
    )
    return conversation.id


def _add_summary(database_url: str, conversation_id: int, cost: str) -> None:
    engine = make_engine(database_url)
    ContextStore(engine).add_summary(
        conversation_id=conversation_id,
        first_message_id=1,
        last_message_id=2,
        message_count=2,
        content="a summary",
        model="m",
        prompt_tokens=1,
        completion_tokens=1,
        cost_usd=Decimal(cost),
    )
    engine.dispose()


def _titles(library: LibraryStore, shelf: Shelf) -> list[str]:
    return [line.conversation.title for line in library.page(owner_id=None, shelf=shelf)]


def test_shelves_list_pinned_first_then_newest_with_exact_costs(
    repository: ChatRepository, library: LibraryStore
) -> None:
    old, pinned, new = (
        _with_reply(repository, name, cost)
        for name, cost in (("old", "0.25"), ("pinned", "0.0000001"), ("new", "0.000000000001"))
    )
    library.move(conversation_id=pinned, pinned=True)
    assert _titles(library, Shelf.LIST) == ["pinned", "new", "old"]
    lines = {line.conversation.id: line for line in library.page(owner_id=None, shelf=Shelf.LIST)}
    assert lines[old].cost_usd == Decimal("0.25")
    assert lines[new].cost_usd == Decimal("0.000000000001")
    assert lines[pinned].conversation.pinned

    library.move(conversation_id=old, archived=True)
    library.move(conversation_id=new, deleted=True)
    assert _titles(library, Shelf.LIST) == ["pinned"]
    assert _titles(library, Shelf.ARCHIVED) == ["old"]
    assert _titles(library, Shelf.TRASH) == ["new"]
    assert [library.count(owner_id=None, shelf=s) for s in Shelf] == [1, 1, 1]
    assert library.page(owner_id=None, shelf=Shelf.LIST, offset=1) == []

    library.move(conversation_id=new, deleted=False)
    assert _titles(library, Shelf.LIST) == ["pinned", "new"]


def test_each_owner_sees_only_their_own_shelf(
    repository: ChatRepository, library: LibraryStore
) -> None:
    repository.create_conversation(model="m", title="alice's", owner_id=1)
    repository.create_conversation(model="m", title="bob's", owner_id=2)
    assert [line.conversation.title for line in library.page(owner_id=2, shelf=Shelf.LIST)] == [
        "bob's"
    ]
    assert library.count(owner_id=1, shelf=Shelf.LIST) == 1


def test_purge_removes_every_word_and_keeps_every_cost(
    repository: ChatRepository, library: LibraryStore, database_url: str
) -> None:
    kept = _with_reply(repository, "kept", "0.5")
    gone = _with_reply(repository, "gone", "0.125")
    repository.update_conversation(conversation_id=gone, system_prompt="secret rules")
    _add_summary(database_url, gone, "0.001")
    library.move(conversation_id=gone, deleted=True)
    library.move(conversation_id=kept, deleted=True)

    assert library.purge(deleted_before=utcnow() - timedelta(days=1)) == 0  # not yet expired
    assert library.purge(deleted_before=utcnow() + timedelta(seconds=1)) == 2
    assert library.purge(deleted_before=utcnow() + timedelta(seconds=1)) == 0  # once

    purged = repository.get_conversation(conversation_id=gone)
    assert purged is not None
    assert (purged.title, purged.system_prompt) == (PURGED_TITLE, None)
    messages = repository.list_messages(conversation_id=gone)
    assert [m.content for m in messages] == ["", ""]
    assert [m.cost_usd for m in messages] == [None, Decimal("0.125")]  # spent stays spent
    assert repository.conversation_cost(conversation_id=gone) == Decimal("0.126")
    assert all(library.count(owner_id=None, shelf=s) == 0 for s in Shelf)  # never shown again


def test_one_line_sums_every_reply_and_summary_exactly_as_the_page_does(
    repository: ChatRepository, library: LibraryStore, database_url: str
) -> None:
    summed = _with_reply(repository, "summed", "0.000000000001")
    bare = repository.create_conversation(model="m", title="bare").id
    _add_summary(database_url, summed, "0.25")

    line = library.line(conversation_id=summed)
    assert line is not None
    assert line.cost_usd == Decimal("0.250000000001")
    page = {line.conversation.id: line for line in library.page(owner_id=None, shelf=Shelf.LIST)}
    assert line == page[summed]
    assert library.line(conversation_id=bare) == page[bare]
    assert page[bare].cost_usd == Decimal(0)
    assert library.line(conversation_id=bare + 100) is None
