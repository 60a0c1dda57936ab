"""Every id from a client is checked: another user's rows answer like missing ones."""

from __future__ import annotations

import pytest

from neural_terminal.chat.access import ConversationAccess
from neural_terminal.domain.errors import ConversationNotFound
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.tables import MessageStatus

ALICE, BOB = Viewer(1), Viewer(2)


@pytest.fixture
def access(repository: ChatRepository) -> ConversationAccess:
    return ConversationAccess(repository)


def test_a_user_sees_only_their_own_conversations(
    repository: ChatRepository, access: ConversationAccess
) -> None:
    alices = repository.create_conversation(model="m", title="alice's", owner_id=1)
    bobs = repository.create_conversation(model="m", title="bob's", owner_id=2)

    assert [c.id for c in access.conversations(ALICE)] == [alices.id]
    assert [c.id for c in access.conversations(BOB)] == [bobs.id]
    assert {c.id for c in access.conversations(LOCAL_OWNER)} == {alices.id, bobs.id}
    assert access.conversation(ALICE, alices.id or 0).title == "alice's"


def test_another_users_ids_grant_nothing(
    repository: ChatRepository, access: ConversationAccess
) -> None:
    alices = repository.create_conversation(model="m", owner_id=1)
    reply = repository.add_message(
        conversation_id=alices.id or 0,
        role="assistant",
        content="secret",
        status=MessageStatus.COMPLETE,
    )

    with pytest.raises(ConversationNotFound) as theirs:
        access.conversation(BOB, alices.id or 0)
    with pytest.raises(ConversationNotFound) as missing:
        access.conversation(BOB, 10_000)
    assert theirs.value.user_message == missing.value.user_message  # nothing to tell apart
    with pytest.raises(ConversationNotFound):
        access.message(BOB, reply.id or 0)
    assert access.message(ALICE, reply.id or 0).content == "secret"


def test_rows_from_before_accounts_go_to_the_first_admin(repository: ChatRepository) -> None:
    before = repository.create_conversation(model="m")
    theirs = repository.create_conversation(model="m", owner_id=2)

    assert repository.claim_unowned(owner_id=1) == 1
    assert repository.claim_unowned(owner_id=1) == 0

    owners = {c.id: c.owner_id for c in repository.list_conversations()}
    assert owners == {before.id: 1, theirs.id: 2}


def test_the_viewer_header_round_trips_and_refuses_anything_else() -> None:
    assert Viewer.from_header(ALICE.to_header()) == ALICE
    assert Viewer.from_header(LOCAL_OWNER.to_header()) == LOCAL_OWNER
    for forged in (None, "", "admin", "-1", "1; 2"):
        assert Viewer.from_header(forged) is None
