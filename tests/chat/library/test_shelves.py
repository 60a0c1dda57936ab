"""The library service: shelves grouped by date in the user's zone, rename, pin, archive,
the trash and its retention, system prompts; every id checked against the viewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, update

from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.library import Library, date_group
from neural_terminal.domain.conversations import ConversationInfo, LibraryLine, Shelf
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_store import SearchStore
from neural_terminal.store.tables import Conversation

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def library(engine: Engine, repo: ChatRepository, clock: list[datetime]) -> Library:
    return Library(
        store=LibraryStore(engine),
        repository=repo,
        access=ConversationAccess(repo),
        search=SearchStore(engine),
        trash_days=30,
        time_zone=lambda: BERLIN,
        clock=lambda: clock[0],
    )


def _line(updated: datetime, *, pinned: bool = False) -> LibraryLine:
    info = ConversationInfo(id=1, title="t", model="m", pinned=pinned, updated_at=updated)
    return LibraryLine(info, Decimal(0))


@pytest.mark.parametrize(
    ("updated", "group"),
    [
        pytest.param(datetime(2026, 12, 4, 0, 30, tzinfo=UTC), "today", id="today"),
        # 23:30 UTC on the 3rd is 00:30 on the 4th in Berlin: today there.
        pytest.param(datetime(2026, 12, 3, 23, 30, tzinfo=UTC), "today", id="zone-decides"),
        pytest.param(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), "yesterday", id="yesterday"),
        pytest.param(datetime(2026, 11, 28, 12, 0, tzinfo=UTC), "this week", id="six-days"),
        pytest.param(datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "older", id="seven-days"),
        pytest.param(datetime(2026, 12, 4, 11, 0), "today", id="naive-is-utc"),
    ],
)
def test_lines_are_grouped_by_day_in_the_users_zone(updated: datetime, group: str) -> None:
    assert date_group(_line(updated), NOW, BERLIN) == group
    assert date_group(_line(updated, pinned=True), NOW, BERLIN) == "pinned"


def test_rename_pin_archive_and_the_trash(library: Library, repo: ChatRepository) -> None:
    first = repo.create_conversation(model="m", title="first").id
    second = repo.create_conversation(model="m", title="second").id

    renamed = library.rename(LOCAL_OWNER, first, "  my   own\n title ")
    assert renamed.title == "my own title"  # one line, spaces collapsed
    with pytest.raises(InvalidInput, match="at least one character"):
        library.rename(LOCAL_OWNER, first, "   ")
    with pytest.raises(InvalidInput, match="at most 200"):
        library.rename(LOCAL_OWNER, first, "x" * 201)

    library.pin(LOCAL_OWNER, first, True)
    page = library.shelf(LOCAL_OWNER, Shelf.LIST)
    assert [(group, line.conversation.id) for group, line in page.lines] == [
        ("pinned", first),
        ("today", second),
    ]
    library.archive(LOCAL_OWNER, second, True)
    assert [
        line.conversation.id for _, line in library.shelf(LOCAL_OWNER, Shelf.ARCHIVED).lines
    ] == [second]
    library.delete(LOCAL_OWNER, second)
    with pytest.raises(ConversationNotFound, match="in the trash"):
        ConversationAccess(repo).conversation(LOCAL_OWNER, second)
    assert library.counts(LOCAL_OWNER) == {Shelf.LIST: 1, Shelf.ARCHIVED: 0, Shelf.TRASH: 1}
    library.restore(LOCAL_OWNER, second)
    assert library.counts(LOCAL_OWNER) == {Shelf.LIST: 1, Shelf.ARCHIVED: 1, Shelf.TRASH: 0}
    with pytest.raises(ConversationNotFound, match="not in the trash"):
        library.restore(LOCAL_OWNER, second)


def test_a_shelf_is_paged(library: Library, repo: ChatRepository) -> None:
    for i in range(5):
        repo.create_conversation(model="m", title=f"c{i}")
    page = library.shelf(LOCAL_OWNER, Shelf.LIST, limit=2)
    assert (len(page.lines), page.total, page.more) == (2, 5, True)
    assert not library.shelf(LOCAL_OWNER, Shelf.LIST, limit=5).more


def test_the_trash_is_purged_after_its_retention(
    library: Library, repo: ChatRepository, engine: Engine, clock: list[datetime]
) -> None:
    cid = repo.create_conversation(model="m", title="old news").id
    library.delete(LOCAL_OWNER, cid)
    with engine.begin() as connection:
        deleted = NOW - timedelta(days=30)
        connection.execute(update(Conversation).values(deleted_at=deleted))
    clock[0] = NOW - timedelta(seconds=1)
    assert library.purge_expired() == 0
    clock[0] = NOW + timedelta(seconds=1)
    assert library.purge_expired() == 1
    assert library.counts(LOCAL_OWNER)[Shelf.TRASH] == 0


def test_another_users_conversation_reads_like_a_missing_one(
    library: Library, repo: ChatRepository
) -> None:
    alices = repo.create_conversation(model="m", title="alice's", owner_id=1).id
    bob = Viewer(2)
    for move in (
        lambda: library.rename(bob, alices, "mine now"),
        lambda: library.pin(bob, alices, True),
        lambda: library.archive(bob, alices, True),
        lambda: library.delete(bob, alices),
        lambda: library.set_system_prompt(bob, alices, "obey bob"),
    ):
        with pytest.raises(ConversationNotFound):
            move()
    assert library.shelf(bob, Shelf.LIST).lines == ()
    unchanged = repo.get_conversation(conversation_id=alices)
    assert unchanged is not None
    assert (unchanged.title, unchanged.pinned, unchanged.system_prompt) == ("alice's", False, None)


def test_a_system_prompt_is_kept_checked_and_cleared(
    library: Library, repo: ChatRepository
) -> None:
    cid = repo.create_conversation(model="m").id
    library.set_system_prompt(LOCAL_OWNER, cid, "  Be terse.  ")
    stored = repo.get_conversation(conversation_id=cid)
    assert stored is not None
    assert stored.system_prompt == "Be terse."
    with pytest.raises(InvalidInput, match="at most 20,000"):
        library.set_system_prompt(LOCAL_OWNER, cid, "x" * 20_001)
    library.set_system_prompt(LOCAL_OWNER, cid, "")
    cleared = repo.get_conversation(conversation_id=cid)
    assert cleared is not None
    assert cleared.system_prompt is None


def test_one_line_is_the_page_s_line_and_only_the_owner_s_on_the_list(
    library: Library, repo: ChatRepository
) -> None:
    mine = repo.create_conversation(model="m", title="mine", owner_id=1).id
    theirs = repo.create_conversation(model="m", title="theirs", owner_id=2).id
    alice = Viewer(user_id=1)
    page = library.shelf(alice, Shelf.LIST)
    assert library.line(alice, mine) == page.lines[0]
    assert library.line(alice, theirs) is None
    library.archive(alice, mine, True)
    assert library.line(alice, mine) is None  # not on the list any more
