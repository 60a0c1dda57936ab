"""Every kind of turn is a reply under one node: where each one puts its messages, what it
sends upstream (the path it answers, never another branch), and what it refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.turns.orchestrator import ChatOrchestrator, collect
from neural_terminal.chat.turns.prompt import CONTINUE_INSTRUCTION
from neural_terminal.chat.turns.replies import ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.domain.chat import TextDelta, Usage, UsageReport
from neural_terminal.domain.conversations import OPEN_ROWS, PathRows
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput, StreamInterrupted
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from tests.fakes import FakeUpstream, ScriptedReply

MODEL = "sim/terminal-small"


def reply(text: str, cost: str = "0.001") -> ScriptedReply:
    return ScriptedReply([TextDelta(text), UsageReport(Usage(10, 1, cost=Decimal(cost)), "stop")])


def broken(text: str) -> ScriptedReply:
    return ScriptedReply([TextDelta(text)], error_after_chunks=StreamInterrupted())


async def finished(turn: object) -> ReplyFinished:
    events = await collect(turn)  # type: ignore[arg-type]
    last = events[-1]
    assert isinstance(last, ReplyFinished)
    return last


def sent(upstream: FakeUpstream) -> list[tuple[str, str]]:
    """The newest request's prompt as (role, text) pairs."""
    return [(m.role, m.content) for m in upstream.history[-1].messages]


@pytest.mark.asyncio
async def test_edit_makes_a_sibling_question_and_sends_only_its_own_path(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("A1"), reply("A2"), reply("B2"))
    first = await finished(chat.send(cid, "Q1"))
    second = await finished(chat.send(cid, "Q2"))
    asked = second.message.parent_id
    assert asked is not None

    edited = await finished(chat.edit(asked, "Q2 edited"))

    assert sent(upstream) == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2 edited")]
    question = repo.get_message(message_id=edited.message.parent_id or 0)
    assert question is not None
    assert (question.content, question.parent_id) == ("Q2 edited", first.message.id)
    assert [m.content for m in chat.load(cid)[1]] == ["Q1", "A1", "Q2 edited", "B2"]
    view = chat.branch(cid)
    assert view.siblings[question.id] == ("2/2", asked, None)


@pytest.mark.asyncio
async def test_regenerate_makes_a_sibling_reply_and_switching_back_shows_the_first(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("first answer", "0.003"), reply("second answer", "0.005"))
    original = await finished(chat.send(cid, "Q"))

    again = await finished(chat.regenerate(original.message.id))

    assert sent(upstream) == [("user", "Q")]  # the old answer is not part of the prompt
    assert again.message.parent_id == original.message.parent_id
    view = chat.branch(cid)
    assert view.path_ids[-1] == again.message.id
    assert view.siblings[again.message.id] == ("2/2", original.message.id, None)
    # Each branch costs its own reply plus the shared question; the tree costs both.
    assert (view.branch_cost, view.total_cost) == (Decimal("0.005"), Decimal("0.008"))

    back = chat.switch(cid, original.message.id, known=set(view.path_ids))

    assert back.path_ids == (original.message.parent_id, original.message.id)
    assert [m.id for m in back.messages] == [original.message.id]  # only what the page lacks
    assert back.branch_cost == Decimal("0.003")
    assert [line.current for line in back.branches] == [True, False]
    assert chat.load(cid)[1][-1].content == "first answer"  # kept as the active branch


@pytest.mark.asyncio
async def test_continue_extends_the_same_reply_after_its_own_path(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("A1"), broken("half"), reply(" and the rest"))
    await finished(chat.send(cid, "Q1"))
    cut = await finished(chat.send(cid, "Q2"))
    assert cut.message.status == "interrupted"

    done = await finished(chat.continue_reply(cut.message.id))

    assert done.message.id == cut.message.id
    assert done.message.content == "half and the rest"
    assert sent(upstream) == [
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "Q2"),
        ("system", CONTINUE_INSTRUCTION),
        ("assistant", "half"),
    ]


@pytest.mark.asyncio
async def test_a_send_goes_under_the_leaf_the_page_shows(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("A"), reply("A again"), reply("follow-up answer"))
    original = await finished(chat.send(cid, "Q"))
    await finished(chat.regenerate(original.message.id))  # now the active leaf

    # A page still showing the first answer sends under it, not under the newer branch.
    follow = await finished(
        chat.start(TurnRequest.send(cid, "and then?", parent_id=original.message.id))
    )

    assert sent(upstream) == [("user", "Q"), ("assistant", "A"), ("user", "and then?")]
    assert chat.branch(cid).path_ids[-1] == follow.message.id


@pytest.mark.asyncio
async def test_turns_refuse_what_they_cannot_act_on_before_anything_is_stored(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("A"))
    answer = await finished(chat.send(cid, "Q"))
    question = answer.message.parent_id or 0
    stored = len(repo.list_messages(conversation_id=cid))

    with pytest.raises(InvalidInput, match="Only your own messages"):
        await collect(chat.edit(answer.message.id, "x"))
    with pytest.raises(InvalidInput, match="Only a reply"):
        await collect(chat.regenerate(question))
    with pytest.raises(InvalidInput, match="empty message"):
        await collect(chat.edit(question, "   "))
    with pytest.raises(InvalidInput, match="not in this conversation"):
        other = chat.create_conversation(model=MODEL).id
        await collect(chat.start(TurnRequest.send(other, "x", parent_id=question)))
    hosted = TurnRequest(TurnKind.REGENERATE, target_id=answer.message.id, viewer=Viewer(7))
    with pytest.raises(ConversationNotFound, match="does not exist"):
        await collect(chat.start(hosted))  # someone else's reads like a missing one

    assert len(repo.list_messages(conversation_id=cid)) == stored
    assert len(upstream.history) == 1


@pytest.mark.asyncio
async def test_a_new_conversation_is_made_by_its_first_send_with_a_clean_title(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    upstream.enqueue(reply("hello"))
    request = TurnRequest.send(None, "[[sim:tokens=5]]  tell me\nabout trees", model=MODEL)
    events = await collect(chat.start(request))

    started = events[0]
    assert isinstance(started, ReplyStarted)
    conversation = repo.get_conversation(conversation_id=started.conversation_id)
    assert conversation is not None
    assert conversation.title == "tell me about trees"
    assert conversation.active_leaf_id == started.assistant_message_id


@pytest.mark.asyncio
async def test_fork_copies_the_path_without_its_costs(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    cid = chat.create_conversation(model=MODEL, system_prompt="Be brief.").id
    upstream.enqueue(reply("A1"), reply("A2"), reply("forked answer"))
    first = await finished(chat.send(cid, "Q1"))
    await finished(chat.send(cid, "Q2"))

    fork = chat.fork(first.message.id)

    copies = repo.path(leaf_id=fork.active_leaf_id)
    assert [(m.role, m.content) for m in copies] == [("user", "Q1"), ("assistant", "A1")]
    assert [m.forked_from_id for m in copies] == [first.message.parent_id, first.message.id]
    assert all(m.cost_usd is None for m in copies)  # spent once, in the original
    assert (fork.system_prompt, fork.title) == ("Be brief.", "Q1 (fork)")
    await finished(chat.send(fork.id, "Q3"))
    assert sent(upstream) == [
        ("system", "Be brief."),
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "Q3"),
    ]
    assert chat.conversation_cost(fork.id) == Decimal("0.001")
    assert chat.conversation_cost(cid) == Decimal("0.002")
    with pytest.raises(ConversationNotFound):
        chat.fork(first.message.id, viewer=Viewer(7))


@pytest.mark.asyncio
async def test_a_conversation_in_the_trash_takes_no_turn(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository, engine: Engine
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    upstream.enqueue(reply("A"))
    answer = await finished(chat.send(cid, "Q"))
    LibraryStore(engine).move(conversation_id=cid, deleted=True)

    for turn in (chat.send(cid, "more?"), chat.regenerate(answer.message.id)):
        with pytest.raises(ConversationNotFound, match="in the trash"):
            await collect(turn)
    assert len(upstream.history) == 1


@pytest.mark.asyncio
async def test_a_new_conversation_starts_with_the_system_prompt_given(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    upstream.enqueue(reply("ok"))
    request = TurnRequest(
        TurnKind.SEND, text="hello", model=MODEL, system_prompt="  Answer in French.  "
    )
    events = await collect(chat.start(request))

    assert sent(upstream) == [("system", "Answer in French."), ("user", "hello")]
    started = events[0]
    assert isinstance(started, ReplyStarted)
    assert chat.branch(started.conversation_id).conversation.system_prompt == "Answer in French."


def test_a_long_path_is_sent_from_its_newest_rows_and_back_to_a_message_asked_for(
    chat: ChatOrchestrator, repo: ChatRepository
) -> None:
    cid = chat.create_conversation(model=MODEL).id
    parent: int | None = None
    ids = []
    for i in range(OPEN_ROWS + 30):
        role = "user" if i % 2 == 0 else "assistant"
        parent = repo.add_message(
            conversation_id=cid, role=role, content=f"m{i}", parent_id=parent
        ).id
        ids.append(parent)

    opened = chat.branch(cid, rows=PathRows.newest())
    assert opened.first_shown == 30
    assert [m.id for m in opened.messages] == ids[30:]
    assert opened.path_ids == tuple(ids)  # positions for every row, sent or not

    far_back = chat.switch(cid, ids[5], known=set(ids[30:]), rows=PathRows(since=30))
    assert far_back.first_shown == 5
    assert [m.content for m in far_back.messages] == [f"m{i}" for i in range(5, 30)]
    assert [m.id for m in chat.branch(cid).messages] == ids  # every row by default
