"""Conversations as trees, against a plain model: random sequences of send, edit, regenerate,
continue, switch, fork, stop and a fault mid-stream, over the real service graph and a real
simulator on loopback.

After every turn, the prompt the simulator received (its own request log) is the path being
answered; at the end the stored tree equals the model's, and the message, branch and
conversation costs equal the model's sums exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_terminal.bootstrap import Services, build_services, resilience_from
from neural_terminal.chat.turns.prompt import CONTINUE_INSTRUCTION
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished
from neural_terminal.chat.turns.turn import Turn
from neural_terminal.settings import Settings, load_settings
from neural_terminal.simulator import running_simulator
from tests.chat_requests import ChatRequests
from tests.integration.conftest import RecordedSleeps

MODEL = "sim/terminal-small"
SHORT = "[[sim:tokens=6]] "
TEXTS = ("alpha?", "beta!", "gamma", "delta, and more")
DROPS = "[[sim:tokens=12]] [[sim:fault=drop-after-3]] "


class RequestLog(ChatRequests):
    """Every chat request's prompt, as (role, text) pairs."""

    @property
    def prompts(self) -> list[list[tuple[str, str]]]:
        return [[(m["role"], m["content"]) for m in body["messages"]] for body in self.bodies]


@pytest.fixture(scope="module")
def request_log() -> Iterator[tuple[str, RequestLog]]:
    log = RequestLog()
    with running_simulator(tokens_per_second=4_000.0, wrap=log.wrap) as url:
        yield url, log


@dataclass
class Node:
    id: int
    parent: int | None
    role: str
    content: str
    cost: Decimal = Decimal(0)


@dataclass
class Model:
    """The tree as plain data: nodes, the active leaf, and each conversation's nodes."""

    conversation: int = 0
    nodes: dict[int, Node] = field(default_factory=dict)
    owner: dict[int, int] = field(default_factory=dict)  # node -> conversation
    leaf: dict[int, int | None] = field(default_factory=dict)

    def path(self, leaf: int | None) -> list[Node]:
        path: list[Node] = []
        while leaf is not None:
            path.append(self.nodes[leaf])
            leaf = self.nodes[leaf].parent
        return path[::-1]

    def on_path(self) -> list[Node]:
        return self.path(self.leaf.get(self.conversation))

    def add(self, node: Node) -> None:
        self.nodes[node.id] = node
        self.owner[node.id] = self.conversation
        self.leaf[self.conversation] = node.id

    def of(self, conversation: int) -> list[Node]:
        return [n for i, n in self.nodes.items() if self.owner[i] == conversation]


def prompt_of(path: list[Node]) -> list[tuple[str, str]]:
    """What the model must have been sent for a reply under the end of ``path``."""
    return [(n.role, n.content) for n in path if n.content]


Op = tuple[Any, ...]
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(TEXTS)),
        st.tuples(st.just("edit"), st.integers(0, 9), st.sampled_from(TEXTS)),
        st.tuples(st.just("regenerate"), st.integers(0, 9)),
        st.tuples(st.just("continue")),
        st.tuples(st.just("switch"), st.integers(0, 99)),
        st.tuples(st.just("fork"), st.integers(0, 9)),
        st.tuples(st.just("stop"), st.sampled_from(TEXTS)),
        st.tuples(st.just("fault"), st.sampled_from(TEXTS)),
    ),
    min_size=1,
    max_size=8,
)


async def _run(turn: Turn, *, stop_at_first_text: bool = False) -> ReplyFinished | None:
    """Drain a turn; with ``stop_at_first_text`` close it there, as Stop does."""
    async for event in turn:
        if isinstance(event, ReplyDelta) and stop_at_first_text:
            await turn.aclose()
            return None
        if isinstance(event, ReplyFinished):
            return event
    return None


class Runner:
    """Applies each operation to the service and to the model, checking the prompt sent."""

    def __init__(self, services: Services, log: RequestLog) -> None:
        self.services = services
        self.log = log
        self.model = Model()

    async def start(self) -> None:
        conversation = self.services.chat.create_conversation(model=MODEL)
        self.model.conversation = conversation.id
        self.model.leaf[conversation.id] = None

    async def apply(self, op: Op) -> None:
        kind = op[0]
        path = self.model.on_path()
        chat = self.services.chat
        cid = self.model.conversation
        if kind in ("send", "stop", "fault"):
            prefix = DROPS if kind == "fault" else SHORT
            text = prefix + op[1]
            await self._turn(
                chat.send(cid, text), path, text=text, stop=kind == "stop", parent_path=path
            )
        elif kind == "edit":
            users = [n for n in path if n.role == "user"]
            if users:
                edited = users[op[1] % len(users)]
                text = SHORT + op[2]
                above = self.model.path(edited.parent)
                await self._turn(chat.edit(edited.id, text), above, text=text, parent_path=above)
        elif kind == "regenerate":
            replies = [n for n in path if n.role == "assistant"]
            if replies:
                target = replies[op[1] % len(replies)]
                above = self.model.path(target.parent)
                await self._turn(chat.regenerate(target.id), above, parent_path=above)
        elif kind == "continue":
            await self._continue(path)
        elif kind == "switch":
            mine = sorted(n.id for n in self.model.of(cid))
            if mine:
                chosen = mine[op[1] % len(mine)]
                view = chat.switch(cid, chosen)
                below = [n for n in mine if self._under(n, chosen)]
                self.model.leaf[cid] = max(below)
                assert view.path_ids == tuple(n.id for n in self.model.on_path())
        elif kind == "fork" and path:
            source = path[: op[1] % len(path) + 1]
            forked = chat.fork(source[-1].id)
            copies = self.services.repository.path(leaf_id=forked.active_leaf_id)
            assert [(c.role, c.content) for c in copies] == [(n.role, n.content) for n in source]
            assert all(c.cost_usd is None for c in copies)  # spent once, in the original
            self.model.conversation = forked.id
            for copy in copies:
                self.model.add(Node(copy.id, copy.parent_id, copy.role, copy.content))

    def _under(self, node: int, ancestor: int) -> bool:
        current: int | None = node
        while current is not None:
            if current == ancestor:
                return True
            current = self.model.nodes[current].parent
        return False

    async def _turn(
        self,
        turn: Turn,
        answered: list[Node],
        *,
        parent_path: list[Node],
        text: str | None = None,
        stop: bool = False,
    ) -> None:
        sent_before = len(self.log.prompts)
        await _run(turn, stop_at_first_text=stop)
        parent = parent_path[-1].id if parent_path else None
        messages = self.services.repository.list_messages(conversation_id=self.model.conversation)
        new = [m for m in messages if m.id not in self.model.nodes]
        if text is not None:
            user, reply = new
            assert (user.role, user.content, user.parent_id) == ("user", text, parent)
            self.model.add(Node(user.id, parent, "user", text))
            parent = user.id
        else:
            (reply,) = new
        assert (reply.role, reply.parent_id) == ("assistant", parent)
        cost = reply.cost_usd or Decimal(0)
        self.model.add(Node(reply.id, parent, "assistant", reply.content, cost))
        expected = prompt_of(self.model.path(parent))
        assert self.log.prompts[sent_before:] == [expected]

    async def _continue(self, path: list[Node]) -> None:
        leaf = path[-1] if path else None
        stored = self.services.repository.get_message(message_id=leaf.id) if leaf else None
        if leaf is None or stored is None or stored.status != "interrupted" or not leaf.content:
            return
        sent_before = len(self.log.prompts)
        await _run(self.services.chat.continue_reply(leaf.id))
        expected = [
            *prompt_of(self.model.path(leaf.parent)),
            ("system", CONTINUE_INSTRUCTION),
            ("assistant", leaf.content),
        ]
        assert self.log.prompts[sent_before:] == [expected]
        after = self.services.repository.get_message(message_id=leaf.id)
        assert after is not None
        assert after.content.startswith(leaf.content)
        leaf.content, leaf.cost = after.content, after.cost_usd or Decimal(0)
        self.model.leaf[self.model.conversation] = leaf.id

    async def check(self) -> None:
        """The stored trees and every cost sum equal the model's."""
        repository = self.services.repository
        # A reply that broke off keeps our estimate until the generation record replaces it
        # (in the background): the model takes the billed figure then.
        await self.services.reconciler.wait()
        for conversation in set(self.model.owner.values()):
            mine = {n.id: n for n in self.model.of(conversation)}
            stored = repository.list_messages(conversation_id=conversation)
            assert {m.id: (m.parent_id, m.role, m.content) for m in stored} == {
                i: (n.parent, n.role, n.content) for i, n in mine.items()
            }
            for message in stored:
                if message.cost_source == "generation":
                    mine[message.id].cost = message.cost_usd or Decimal(0)
                assert (message.cost_usd or Decimal(0)) == mine[message.id].cost
            assert repository.conversation_cost(conversation_id=conversation) == sum(
                (n.cost for n in mine.values()), Decimal(0)
            )
            for leaf in mine:
                assert repository.path_cost(leaf_id=leaf) == sum(
                    (n.cost for n in self.model.path(leaf)), Decimal(0)
                )
            active = repository.get_conversation(conversation_id=conversation)
            assert active is not None
            assert active.active_leaf_id == self.model.leaf[conversation]


def _settings(simulator_url: str, sqlite_url: str) -> Settings:
    return replace(
        load_settings({}),
        simulator="on",
        simulator_url=simulator_url,
        database_url=sqlite_url,
        budget_usd=None,
    )


@settings(
    max_examples=max(10, settings().max_examples // 6),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_every_turn_answers_its_path_and_every_sum_is_exact(
    ops: list[Op], request_log: tuple[str, RequestLog], sqlite_url: str
) -> None:
    url, log = request_log

    async def example() -> None:
        base = _settings(url, sqlite_url)
        services = build_services(
            base, resilience=replace(resilience_from(base), sleep=RecordedSleeps())
        )
        try:
            runner = Runner(services, log)
            await runner.start()
            for op in ops:
                await runner.apply(op)
            await runner.check()
        finally:
            await services.aclose()

    asyncio.run(example())
