"""Other apps' exports, from fixtures written here after their documented formats: ChatGPT's
conversations.json with branches, hidden and empty nodes, incomplete children lists,
non-text parts and no model_slug; ShareGPT; OpenAI-style messages as JSON lines."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.library.importer import Importer
from neural_terminal.domain.tree import Node, Tree
from neural_terminal.domain.viewer import LOCAL_OWNER
from neural_terminal.store.conversations.import_store import ImportStore
from neural_terminal.store.conversations.repository import ChatRepository


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def importer(engine: Engine) -> Importer:
    return Importer(ImportStore(engine))


def _node(
    node_id: str, parent: str | None, role: str | None, content: Any, **more: Any
) -> dict[str, Any]:
    message = None
    if role is not None:
        message = {
            "id": node_id,
            "author": {"role": role, "name": more.pop("name", None)},
            "content": content,
            "create_time": more.pop("create_time", 1_700_000_000.0),
            "metadata": more.pop("metadata", {}),
        }
    # Children lists are left empty on purpose: the tree is rebuilt from the parents.
    return {"id": node_id, "message": message, "parent": parent, "children": []}


CHATGPT: list[dict[str, Any]] = [
    {
        "id": "conv-1",
        "title": "Émile's question ☕",
        "create_time": 1_700_000_000.0,
        "current_node": "a2",
        "mapping": {
            "root": _node("root", None, None, None),
            "sys": _node(
                "sys",
                "root",
                "system",
                {"content_type": "text", "parts": [""]},
                metadata={"is_visually_hidden_from_conversation": True},
            ),
            "u1": _node("u1", "sys", "user", {"content_type": "text", "parts": ["Café? ☕"]}),
            "a1": _node(
                "a1",
                "u1",
                "assistant",
                {"content_type": "text", "parts": ["First answer"]},
                metadata={"model_slug": "gpt-4o"},
            ),
            "u2": _node(  # an edited question: a second child of a1's parent
                "u2",
                "sys",
                "user",
                {
                    "content_type": "multimodal_text",
                    "parts": [{"content_type": "image_asset_pointer"}, "What is in this?"],
                },
                create_time=None,
            ),
            "t2": _node(
                "t2",
                "u2",
                "tool",
                {"content_type": "code", "language": "python", "text": "print(1)"},
                name="python",
            ),
            "a2": _node("a2", "t2", "assistant", {"content_type": "text", "parts": ["A cat."]}),
        },
    },
    {"id": "conv-2", "title": "empty", "current_node": None, "mapping": {}},
]


def test_a_chatgpt_export_keeps_every_branch_and_the_one_on_show(
    repo: ChatRepository, importer: Importer
) -> None:
    data = json.dumps(CHATGPT).encode()
    report = importer.import_file(LOCAL_OWNER, data, name="conversations.json")

    ((cid, title),) = report.added
    assert title == "Émile's question ☕"
    assert report.skipped == ["conversations.json: conversation 2 ('empty'): no message with text"]
    messages = {m.content: m for m in repo.list_messages(conversation_id=cid)}
    assert set(messages) == {
        "Café? ☕",
        "First answer",
        "[image]\nWhat is in this?",
        "[tool python]\n```\nprint(1)\n```",
        "A cat.",
    }
    tree = Tree(Node(m.id, m.parent_id) for m in messages.values())
    first, edited = messages["Café? ☕"], messages["[image]\nWhat is in this?"]
    assert tree.siblings(first.id) == [first.id, edited.id]  # the hidden system node is gone
    assert messages["First answer"].model == "gpt-4o"
    assert messages["A cat."].model is None  # no model_slug: unknown, not an error
    assert all(m.cost_usd is None and m.imported_at for m in messages.values())
    conversation = repo.get_conversation(conversation_id=cid)
    assert conversation is not None
    assert conversation.active_leaf_id == messages["A cat."].id  # current_node
    assert conversation.model == "gpt-4o"

    again = importer.import_file(LOCAL_OWNER, data, name="conversations.json")
    assert (again.added, again.already) == ([], ["Émile's question ☕"])


def test_a_data_export_in_several_files_zipped_is_read_whole(
    repo: ChatRepository, importer: Importer
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("conversations-000.json", json.dumps(CHATGPT[:1]))
        archive.writestr("conversations-001.json", json.dumps([{**CHATGPT[0], "id": "conv-3"}]))
        archive.writestr("chat.html", "<html></html>")
    report = importer.import_file(LOCAL_OWNER, buffer.getvalue(), name="export.zip")
    assert len(report.added) == 2


def test_sharegpt_and_openai_messages_are_linear_conversations(
    repo: ChatRepository, importer: Importer
) -> None:
    sharegpt = [
        {
            "id": "sg-1",
            "conversations": [
                {"from": "human", "value": "hi there"},
                {"from": "gpt", "value": "hello"},
                {"from": "narrator", "value": "?"},
            ],
        }
    ]
    report = importer.import_file(LOCAL_OWNER, json.dumps(sharegpt).encode(), name="sg.json")
    ((cid, title),) = report.added
    assert title == "hi there"
    assert report.skipped == ["sg.json: conversation 1, message 3: no known role or no text"]
    stored = repo.list_messages(conversation_id=cid)
    assert [(m.role, m.content) for m in stored] == [("user", "hi there"), ("assistant", "hello")]
    assert stored[1].parent_id == stored[0].id

    lines = "\n".join(
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": q},
                ]
            }
        )
        for q in ("one?", "two?")
    )
    report = importer.import_file(LOCAL_OWNER, lines.encode(), name="chats.jsonl")
    assert [title for _, title in report.added] == ["one?", "two?"]


def test_an_unknown_shape_is_named(importer: Importer) -> None:
    report = importer.import_file(LOCAL_OWNER, b'{"hello": "world"}', name="x.json")
    assert report.added == []
    assert "not a format this app reads" in report.skipped[0]


def test_a_folder_of_split_files_is_read_file_by_file(
    repo: ChatRepository, importer: Importer, tmp_path: Path
) -> None:
    (tmp_path / "conversations-000.json").write_text(json.dumps(CHATGPT[:1]))
    (tmp_path / "conversations-001.json").write_text(json.dumps([{**CHATGPT[0], "id": "conv-9"}]))
    (tmp_path / "chat.html").write_text("<html></html>")
    report = importer.import_path(LOCAL_OWNER, tmp_path)
    assert len(report.added) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no .json" in importer.import_path(LOCAL_OWNER, empty).skipped[0]


def test_a_cut_off_array_keeps_the_conversations_before_the_cut(
    repo: ChatRepository, importer: Importer, tmp_path: Path
) -> None:
    whole = json.dumps([{**CHATGPT[0], "id": f"c{i}"} for i in range(3)])
    cut = tmp_path / "conversations.json"
    cut.write_text(whole[: len(whole) - 200])  # the third conversation is cut short
    report = importer.import_path(LOCAL_OWNER, cut)
    assert len(report.added) == 2
    assert "not JSON past some point" in report.skipped[-1]
