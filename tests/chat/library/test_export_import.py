"""Export and import: our JSON round-trips any tree exactly (but ids and times), the ledger
sums to the conversation's cost, Markdown reads as a document, a second import adds nothing,
and a malformed file imports what is valid and says what it left out."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from neural_terminal.chat import library
from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.library.exporter import LIBRARY_FILE, Exporter
from neural_terminal.chat.library.importer import Importer
from neural_terminal.domain.conversations import ContextStrategy, MessageStatus, Shelf
from neural_terminal.domain.errors import ConversationNotFound
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.import_store import ImportStore
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def exporter(engine: Engine, repo: ChatRepository) -> Exporter:
    return Exporter(repository=repo, library=LibraryStore(engine), access=ConversationAccess(repo))


@pytest.fixture
def importer(engine: Engine) -> Importer:
    return Importer(ImportStore(engine))


# A tree as (parent, role, text, cost in picodollars or None, status): parent 0 makes a root
# (an edited first question), p > 0 puts it under the (p - 1)th message made before it.
NODES = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from(["user", "assistant"]),
        st.text(max_size=12),
        st.one_of(st.none(), st.integers(0, 10**9)),
        st.sampled_from(list(MessageStatus)),
    ),
    min_size=1,
    max_size=14,
)


def build(
    repo: ChatRepository, nodes: list[tuple[int, str, str, int | None, MessageStatus]]
) -> int:
    conversation = repo.create_conversation(
        model="m", title="tree", system_prompt="rules", context_strategy=ContextStrategy.BOOKENDS
    )
    ids: list[int] = []
    for index, (parent, role, text, pico, status) in enumerate(nodes):
        under = ids[(parent - 1) % index] if index and parent else None
        message = repo.add_message(
            conversation_id=conversation.id,
            role=role,
            content=text,
            parent_id=under,
            status=MessageStatus.STREAMING,
        )
        cost = None if pico is None else Decimal(pico).scaleb(-12)
        repo.finish_message(
            message_id=message.id,
            content=text,
            status=status if status is not MessageStatus.STREAMING else MessageStatus.COMPLETE,
            cost_usd=cost,
            cost_source="upstream" if pico is not None else None,
            estimate_usd=cost,
            drift_usd=None if cost is None else -cost / 2,
            prompt_tokens=len(text),
            first_token_ms=index,
        )
        ids.append(message.id)
    return conversation.id


def canonical(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversations with ids replaced by their place in a walk of the tree, and the
    fields an import renews (times of export and import, ids) left out."""
    result = []
    for conversation in document["conversations"]:
        messages = conversation["messages"]
        children: dict[str | None, list[dict[str, Any]]] = {}
        for m in sorted(messages, key=lambda m: int(m["id"])):
            children.setdefault(m["parent"], []).append(m)
        label: dict[str, str] = {}
        stack = list(reversed(children.get(None, [])))
        while stack:
            m = stack.pop()
            label[m["id"]] = f"#{len(label)}"
            stack.extend(reversed(children.get(m["id"], [])))

        def relabel(value: str | None, label: dict[str, str] = label) -> str | None:
            return None if value is None else label[value]

        walked = sorted(messages, key=lambda m: int(label[m["id"]][1:]))
        result.append(
            {
                **{k: v for k, v in conversation.items() if k not in ("id", "updated_at")},
                "active_leaf": relabel(conversation["active_leaf"]),
                "messages": [
                    {**m, "id": label[m["id"]], "parent": relabel(m["parent"])} for m in walked
                ],
                "summaries": [
                    {**s, "first": relabel(s["first"]), "last": relabel(s["last"])}
                    for s in conversation["summaries"]
                ],
                "ledger": sorted(
                    (
                        {**e, "id": relabel(e.get("id")), "last": relabel(e.get("last"))}
                        for e in conversation["ledger"]
                    ),
                    key=lambda e: (e["kind"], str(e["id"]), str(e["last"])),
                ),
            }
        )
    return result


@settings(
    max_examples=max(10, settings().max_examples // 3),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(nodes=NODES)
def test_export_import_export_is_identical_but_for_ids_and_times(
    nodes: list[tuple[int, str, str, int | None, MessageStatus]],
    repo: ChatRepository,
    engine: Engine,
    exporter: Exporter,
    importer: Importer,
) -> None:
    cid = build(repo, nodes)
    messages = repo.list_messages(conversation_id=cid)
    ContextStore(engine).add_summary(
        conversation_id=cid,
        first_message_id=messages[0].id,
        last_message_id=messages[-1].id,
        message_count=len(messages),
        content="what happened",
        model="m",
        prompt_tokens=3,
        completion_tokens=2,
        cost_usd=Decimal("0.000000000007"),
    )
    first = json.loads(exporter.conversation_json(LOCAL_OWNER, cid))
    (conversation,) = first["conversations"]
    assert Decimal(conversation["total_usd"]) == repo.conversation_cost(conversation_id=cid)

    report = importer.import_file(LOCAL_OWNER, json.dumps(first).encode(), name="one.json")

    ((copy, _title),) = report.added
    assert report.skipped == []
    second = json.loads(exporter.conversation_json(LOCAL_OWNER, copy))
    assert canonical(second) == canonical(first)
    again = importer.import_file(LOCAL_OWNER, json.dumps(first).encode(), name="one.json")
    assert (again.added, again.already) == ([], ["tree"])


def test_imported_costs_are_on_the_record_not_on_the_budget(
    repo: ChatRepository, engine: Engine, exporter: Exporter, importer: Importer
) -> None:
    cid = build(
        repo,
        [
            (0, "user", "q", None, MessageStatus.COMPLETE),
            (0, "assistant", "a", 10**12, MessageStatus.COMPLETE),
        ],
    )
    budget = BudgetStore(engine, defaults=BudgetConfig(None))
    before = budget.spend(since=None, conversation_id=None).global_usd
    assert before == Decimal(1)
    report = importer.import_file(
        LOCAL_OWNER, exporter.conversation_json(LOCAL_OWNER, cid), name="x"
    )
    ((copy, _),) = report.added
    assert repo.conversation_cost(conversation_id=copy) == Decimal(1)  # on the record
    assert budget.spend(since=None, conversation_id=None).global_usd == before  # not spent here
    assert all(m.imported_at is not None for m in repo.list_messages(conversation_id=copy))


def test_the_library_zip_holds_every_conversation_but_the_trash(
    repo: ChatRepository, engine: Engine, exporter: Exporter, importer: Importer
) -> None:
    kept = build(repo, [(0, "user", "kept", None, MessageStatus.COMPLETE)])
    archived = build(repo, [(0, "user", "archived", None, MessageStatus.COMPLETE)])
    trashed = build(repo, [(0, "user", "trashed", None, MessageStatus.COMPLETE)])
    LibraryStore(engine).move(conversation_id=archived, archived=True)
    LibraryStore(engine).move(conversation_id=trashed, deleted=True)
    data = exporter.library_zip(LOCAL_OWNER)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = json.loads(archive.read(LIBRARY_FILE))
    texts = {c["messages"][0]["content"] for c in document["conversations"]}
    assert texts == {"kept", "archived"}
    assert {c["id"] for c in document["conversations"]} == {str(kept), str(archived)}
    report = importer.import_file(Viewer(5), data, name="library.zip")
    assert len(report.added) == 2  # into another user's library: theirs now
    assert {
        line.conversation.owner_id
        for line in LibraryStore(engine).page(owner_id=5, shelf=Shelf.LIST)
    } == {5}


def test_markdown_reads_the_branch_on_show_or_every_branch(
    repo: ChatRepository, exporter: Exporter
) -> None:
    cid = build(
        repo,
        [
            (0, "user", "question", None, MessageStatus.COMPLETE),
            (1, "assistant", "first answer", 2 * 10**9, MessageStatus.COMPLETE),
            (1, "assistant", "second answer", 3 * 10**9, MessageStatus.INTERRUPTED),
        ],
    )
    shown = exporter.conversation_markdown(LOCAL_OWNER, cid)
    assert shown.startswith("# tree\n")
    assert "second answer" in shown
    assert "first answer" not in shown
    assert "$0.003 · interrupted" in shown
    assert "$0.005 in all" in shown
    every = exporter.conversation_markdown(LOCAL_OWNER, cid, all_branches=True)
    assert "## Branch 1 of 2" in every
    assert "## Branch 2 of 2 (on show)" in every
    assert "first answer" in every


def test_a_malformed_file_imports_what_is_valid_and_says_what_it_left_out(
    repo: ChatRepository, importer: Importer
) -> None:
    good = {"id": "1", "parent": None, "role": "user", "content": "fine"}
    document = {
        "format": "neural-terminal/conversations",
        "version": 1,
        "conversations": [
            {
                "title": "partly broken",
                "messages": [
                    good,
                    {"id": "2", "parent": "1", "role": "wizard", "content": "?"},
                    {"id": "3", "parent": "2", "role": "assistant", "content": "orphan"},
                    {"id": "4", "parent": "1", "role": "assistant", "content": 7},
                    {
                        "id": "5",
                        "parent": "1",
                        "role": "assistant",
                        "content": "ok",
                        "cost": {"usd": 0.1},
                    },
                ],
            },
            {"title": "empty", "messages": []},
            "not an object",
        ],
    }
    report = importer.import_file(LOCAL_OWNER, json.dumps(document).encode(), name="f.json")
    ((cid, title),) = report.added
    assert title == "partly broken"
    stored = repo.list_messages(conversation_id=cid)
    assert [(m.content, m.cost_usd) for m in stored] == [("fine", None), ("ok", None)]
    assert report.skipped == [
        "f.json: conversation 1 ('partly broken'), message 2: role 'wizard' is not user, "
        "assistant or system",
        "f.json: conversation 1 ('partly broken'), message 4: its content is not text",
        "f.json: conversation 1 ('partly broken'), message 3: its parent is missing or left out",
        "f.json: conversation 2: no message could be read",
        "f.json: conversation 3: not an object",
    ]
    assert "Imported 1 conversation" in report.text
    for data, reason in (
        (b"{not json", "not JSON"),
        (b'{"format": "other"}', "not a Neural Terminal export"),
        (b'{"format": "neural-terminal/conversations", "version": 9}', "export version 9"),
    ):
        assert reason in importer.import_file(LOCAL_OWNER, data, name="bad").skipped[0]


def test_an_export_has_what_its_schema_requires(repo: ChatRepository, exporter: Exporter) -> None:
    """The schema file documents the format the code writes (every required field is there)."""
    schema = json.loads((Path(library.__file__).parent / "export.schema.json").read_text())
    cid = build(
        repo,
        [
            (0, "user", "q", None, MessageStatus.COMPLETE),
            (1, "assistant", "a", 5, MessageStatus.COMPLETE),
        ],
    )
    document = json.loads(exporter.conversation_json(LOCAL_OWNER, cid))
    assert set(schema["required"]) <= set(document)
    assert document["version"] == schema["properties"]["version"]["const"]
    defs = schema["$defs"]
    for conversation in document["conversations"]:
        assert set(defs["conversation"]["required"]) <= set(conversation)
        assert set(conversation) <= set(defs["conversation"]["properties"])
        for message in conversation["messages"]:
            assert set(defs["message"]["required"]) <= set(message)
            assert set(message) <= set(defs["message"]["properties"])


def test_another_users_conversation_is_not_exported(
    repo: ChatRepository, exporter: Exporter
) -> None:
    alices = repo.create_conversation(model="m", title="alice's", owner_id=1).id
    bob = Viewer(2)
    with pytest.raises(ConversationNotFound):
        exporter.conversation_json(bob, alices)
    with pytest.raises(ConversationNotFound):
        exporter.conversation_markdown(bob, alices)
    with zipfile.ZipFile(io.BytesIO(exporter.library_zip(bob))) as archive:
        assert json.loads(archive.read(LIBRARY_FILE))["conversations"] == []
