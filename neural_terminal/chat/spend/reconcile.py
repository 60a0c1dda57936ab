"""Replace estimated costs with the upstream's billed figure once its generation record answers.

A reply that broke off or was stopped never got ``usage.cost``; OpenRouter's
``GET /generation?id=`` reports ``total_cost`` also for cancelled streams. The stored
``estimate_usd`` is the estimate of the last run (the part that generation billed), so
``cost := cost - estimate + total_cost`` is right for continued replies too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from neural_terminal.domain.costing import CostSource
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.events import MessageCompleted
from neural_terminal.store.conversations.changes import spent_now
from neural_terminal.store.tables import Message, MessageStatus

logger = logging.getLogger(__name__)

GenerationCost = Callable[[str], Awaitable[Decimal | None]]


class Reconciler:
    """Looks up estimated replies' billed cost and stores it, with the drift."""

    def __init__(self, engine: Engine, lookup: GenerationCost) -> None:
        self._engine = engine
        self._lookup = lookup
        self._tasks: set[asyncio.Task[int]] = set()
        # The reconciliation started for each reply that just ended (the page waits for it).
        self._by_message: dict[int, asyncio.Task[int]] = {}

    async def reconcile_all(self) -> int:
        """Every estimated reply with a generation id (start-up); how many were reconciled."""
        query = (
            select(col(Message.id))
            .where(col(Message.cost_source) == CostSource.ESTIMATE.value)
            .where(col(Message.generation_id).is_not(None))
            .where(col(Message.status) != MessageStatus.STREAMING.value)
        )
        with Session(self._engine) as session:
            ids = [i for i in session.exec(query) if i is not None]
        done = 0
        for message_id in ids:
            done += await self.reconcile(message_id)
        return done

    async def reconcile(self, message_id: int) -> int:
        """Reconcile one reply; 1 when its cost was replaced, else 0."""
        with Session(self._engine) as session:
            message = session.get(Message, message_id)
            if message is None or message.cost_source != CostSource.ESTIMATE.value:
                return 0
            generation_id = message.generation_id
        if not generation_id:
            return 0
        try:
            billed = await self._lookup(generation_id)
        except NeuralTerminalError as exc:
            logger.info("generation %s not reconciled yet: %s", generation_id, exc)
            return 0
        if billed is None:
            return 0
        with Session(self._engine) as session:
            message = session.get(Message, message_id)
            if (
                message is None
                or message.cost_source != CostSource.ESTIMATE.value
                or message.status == MessageStatus.STREAMING.value
            ):
                return 0  # reconciled meanwhile, or being continued (its end stores the cost)
            estimate = message.estimate_usd or Decimal(0)
            message.cost_usd = (message.cost_usd or Decimal(0)) - estimate + billed
            message.drift_usd = billed - estimate
            message.cost_source = CostSource.GENERATION.value
            message.cost_is_estimate = False
            session.add(message)
            session.execute(spent_now(message.conversation_id))  # tabs show the billed cost
            session.commit()
        return 1

    def on_completed(self, event: MessageCompleted) -> None:
        """Bus handler: reconcile a reply that ended without a reported cost, in the background."""
        if event.status == MessageStatus.COMPLETE.value:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a script): the next start-up reconciles it
        task = loop.create_task(self.reconcile(event.message_id))
        self._tasks.add(task)  # held so it is not collected mid-flight
        self._by_message[event.message_id] = task
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._by_message.pop(event.message_id, None))

    async def settled(self, message_id: int, timeout_s: float) -> None:
        """Wait, at most ``timeout_s``, for the reconciliation the reply's end started (if it
        is still running); the stored cost then says whether it was replaced."""
        task = self._by_message.get(message_id)
        if task is None:
            return
        with contextlib.suppress(Exception):  # not in time, or failed: the estimate stays
            await asyncio.wait_for(asyncio.shield(task), timeout_s)

    async def wait(self) -> None:
        """Wait for background reconciliations (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
