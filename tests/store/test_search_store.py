"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector + GIN): every branch, ranked,
with snippets; filters; the index follows every write (edits, purges); the trash is out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from neural_terminal.domain.conversations import (
    MATCH_END,
    MATCH_START,
    MessageStatus,
    SearchFilters,
)
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_store import SearchStore, fts5_query
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import utcnow


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[SearchStore, LibraryStore]]:
    engine = make_engine(database_url)
    yield SearchStore(engine), LibraryStore(engine)
    engine.dispose()


def _found(search: SearchStore, words: str, **filters: object) -> list[str]:
    hits = search.search(owner_id=None, words=words, filters=SearchFilters(**filters))  # type: ignore[arg-type]
    return [hit.snippet.replace(MATCH_START, "[").replace(MATCH_END, "]") for hit in hits]


def test_every_branch_is_searched_with_snippets_and_ranks(
    repository: ChatRepository, stores: tuple[SearchStore, LibraryStore]
) -> None:
    search, _ = stores
    cid = repository.create_conversation(model="m", title="pasta").id
    question = repository.add_message(conversation_id=cid, role="user", content="how to cook pasta")
    for text in ("boil water, then the pasta", "pasta pasta pasta: salt the water"):
        repository.add_message(
            conversation_id=cid, role="assistant", content=text, parent_id=question.id
        )  # two replies: two branches
    repository.add_message(conversation_id=cid, role="user", content="no match here")

    found = _found(search, "pasta")
    assert found[0] == "[pasta] [pasta] [pasta]: salt the water"  # the most matches first
    assert set(found) == {
        "how to cook [pasta]",
        "boil water, then the [pasta]",
        "[pasta] [pasta] [pasta]: salt the water",
    }
    assert _found(search, "water salt") == ["pasta pasta pasta: [salt] the [water]"]
    assert _found(search, "nothing-like-it") == []
    assert _found(search, '"); DROP TABLE messages; --') == []  # words, never syntax
    hit = search.search(owner_id=None, words="cook", filters=SearchFilters())[0]
    assert (hit.message_id, hit.conversation_id, hit.conversation_title, hit.role) == (
        question.id,
        cid,
        "pasta",
        "user",
    )


def test_filters_narrow_by_model_role_date_and_cost(
    repository: ChatRepository, stores: tuple[SearchStore, LibraryStore]
) -> None:
    search, _ = stores
    cid = repository.create_conversation(model="m", title="t").id
    asked = repository.add_message(conversation_id=cid, role="user", content="kiwi question")
    for model, cost in (("cheap", "0.0001"), ("dear", "0.5")):
        reply = repository.add_message(
            conversation_id=cid,
            role="assistant",
            content="",
            status=MessageStatus.STREAMING,
            model=model,
            parent_id=asked.id,
        )
        repository.finish_message(
            message_id=reply.id,
            content=f"kiwi answer from {model}",
            status=MessageStatus.COMPLETE,
            cost_usd=Decimal(cost),
        )
    assert _found(search, "kiwi", role="user") == ["[kiwi] question"]
    assert _found(search, "kiwi", model="dear") == ["[kiwi] answer from dear"]
    assert _found(search, "kiwi", cost_above=Decimal("0.0001")) == ["[kiwi] answer from dear"]
    assert len(_found(search, "kiwi", since=utcnow() - timedelta(hours=1))) == 3
    assert _found(search, "kiwi", until=utcnow() - timedelta(hours=1)) == []


def test_the_index_follows_every_write_and_the_trash_is_out(
    repository: ChatRepository, stores: tuple[SearchStore, LibraryStore]
) -> None:
    search, library = stores
    cid = repository.create_conversation(model="m", title="t").id
    reply = repository.add_message(
        conversation_id=cid, role="assistant", content="", status=MessageStatus.STREAMING
    )
    repository.checkpoint(message_id=reply.id, content="halfway through a mango")
    assert _found(search, "mango") == []  # found once written, not at every checkpoint
    repository.finish_message(
        message_id=reply.id, content="a whole papaya instead", status=MessageStatus.COMPLETE
    )
    assert _found(search, "mango") == []
    assert _found(search, "papaya") == ["a whole [papaya] instead"]
    repository.reopen(message_id=reply.id)  # Continue: streaming again, out of the index
    assert _found(search, "papaya") == []
    repository.finish_message(
        message_id=reply.id, content="a whole papaya, then kiwi", status=MessageStatus.INTERRUPTED
    )
    assert _found(search, "papaya") == ["a whole [papaya], then kiwi"]
    library.move(conversation_id=cid, archived=True)
    assert _found(search, "papaya") == ["a whole [papaya], then kiwi"]  # archived: found
    library.move(conversation_id=cid, deleted=True)
    assert _found(search, "papaya") == []
    library.move(conversation_id=cid, deleted=False)
    assert _found(search, "papaya") == ["a whole [papaya], then kiwi"]
    library.move(conversation_id=cid, deleted=True)
    library.purge(deleted_before=utcnow() + timedelta(seconds=1))
    library.move(conversation_id=cid, deleted=False)  # even if it came back, no words are left
    assert _found(search, "papaya") == []


def test_each_owner_finds_only_their_own(
    repository: ChatRepository, stores: tuple[SearchStore, LibraryStore]
) -> None:
    search, _ = stores
    for owner in (1, 2):
        cid = repository.create_conversation(model="m", title=f"{owner}", owner_id=owner).id
        repository.add_message(conversation_id=cid, role="user", content=f"secret of {owner}")
    hits = search.search(owner_id=2, words="secret", filters=SearchFilters())
    assert [hit.conversation_title for hit in hits] == ["2"]


def test_typed_words_become_a_quoted_fts5_query() -> None:
    assert fts5_query('cook "pasta" OR NOT x*') == '"cook" "pasta" "OR" "NOT" "x"*'
    assert fts5_query("  ... ") is None
