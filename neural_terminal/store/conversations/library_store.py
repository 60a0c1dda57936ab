"""The library's shelves: a page of one owner's conversations with their costs, moving
conversations between the list, the archive and the trash, and purging the trash.

Purging keeps every message row and its cost (budgets sum spend from them: money spent stays
spent) and removes every word: texts, errors, summaries, the title and the system prompt.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Engine, Table, and_, case, func, select, update
from sqlmodel import Session, col

from neural_terminal.domain.conversations import LibraryLine, Shelf
from neural_terminal.store.conversations.values import conversation_info
from neural_terminal.store.engine import open_session
from neural_terminal.store.money_column import summed_usd
from neural_terminal.store.tables import Conversation, Message, Summary, utcnow

PURGED_TITLE = "(purged)"
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
_MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
_SUMMARIES: Table = Summary.__table__  # type: ignore[attr-defined]


class LibraryStore:
    """Shelf queries and moves over one database; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(
        self, *, owner_id: int | None, shelf: Shelf, offset: int = 0, limit: int = 100
    ) -> list[LibraryLine]:
        """One page of a shelf: pinned first (the list), then newest activity first."""
        # Plain rows, not ORM objects: a page of 100 is read on every turn's start and end.
        query = select(_CONVERSATIONS).where(*_on_shelf(owner_id, shelf))
        if shelf is Shelf.LIST:
            query = query.order_by(
                col(Conversation.pinned_at).is_(None), col(Conversation.pinned_at).desc()
            )
        order = (
            col(Conversation.deleted_at) if shelf is Shelf.TRASH else col(Conversation.updated_at)
        )
        query = (
            query.order_by(order.desc(), col(Conversation.id).desc()).offset(offset).limit(limit)
        )
        with open_session(self._engine) as session:
            rows = list(session.execute(query))
            costs = self._costs(session, [row.id for row in rows])
        return [LibraryLine(conversation_info(row), costs.get(row.id, Decimal(0))) for row in rows]

    def line(self, *, conversation_id: int) -> LibraryLine | None:
        """One conversation's line (None once gone or purged), whatever its shelf.

        One statement, its costs summed in subqueries: every turn's start and end reads it.
        """
        costs = [
            select(func.sum(table.c.cost_usd))
            .where(table.c.conversation_id == conversation_id)
            .scalar_subquery()
            .label(f"{table.name}_cost")
            for table in (_MESSAGES, _SUMMARIES)
        ]
        query = select(_CONVERSATIONS, *costs).where(
            col(Conversation.id) == conversation_id, col(Conversation.purged_at).is_(None)
        )
        with open_session(self._engine) as session:
            row = session.execute(query).first()
        if row is None:
            return None
        cost = sum((summed_usd(part) for part in row[-2:]), Decimal(0))  # replies, summaries
        return LibraryLine(conversation_info(row), cost)

    def count(self, *, owner_id: int | None, shelf: Shelf) -> int:
        """How many conversations a shelf holds."""
        return self.counts(owner_id=owner_id)[shelf]

    def counts(self, *, owner_id: int | None) -> dict[Shelf, int]:
        """How many conversations each shelf holds, in one statement."""
        sums = [
            func.coalesce(func.sum(case((and_(*_on_shelf(owner_id, s)), 1), else_=0)), 0)
            for s in Shelf
        ]
        query = select(*sums).select_from(Conversation)
        if owner_id is not None:
            query = query.where(col(Conversation.owner_id) == owner_id)
        with open_session(self._engine) as session:
            row = session.execute(query).one()
        return {s: int(n) for s, n in zip(Shelf, row, strict=True)}

    def move(
        self,
        *,
        conversation_id: int,
        pinned: bool | None = None,
        archived: bool | None = None,
        deleted: bool | None = None,
    ) -> None:
        """Pin or unpin, archive or bring back, put in the trash or restore."""
        now = utcnow()
        values: dict[str, object] = {}
        for name, flag in (
            ("pinned_at", pinned),
            ("archived_at", archived),
            ("deleted_at", deleted),
        ):
            if flag is not None:
                values[name] = now if flag else None
        if not values:
            return
        with open_session(self._engine) as session:
            session.execute(
                update(Conversation).where(col(Conversation.id) == conversation_id).values(values)
            )
            session.commit()

    def purge(self, *, deleted_before: datetime) -> int:
        """Remove every word of the conversations in the trash since before then; how many."""
        expired = (
            select(col(Conversation.id))
            .where(col(Conversation.deleted_at) < deleted_before)
            .where(col(Conversation.purged_at).is_(None))
        )
        with open_session(self._engine) as session:
            ids = [i for i in session.scalars(expired) if i is not None]
            if not ids:
                return 0
            session.execute(
                update(Message)
                .where(col(Message.conversation_id).in_(ids))
                .values(content="", error=None)
            )
            session.execute(
                update(Summary).where(col(Summary.conversation_id).in_(ids)).values(content="")
            )
            session.execute(
                update(Conversation)
                .where(col(Conversation.id).in_(ids))
                .values(purged_at=utcnow(), title=PURGED_TITLE, system_prompt=None)
            )
            session.commit()
        return len(ids)

    def _costs(self, session: Session, ids: list[int]) -> dict[int, Decimal]:
        """Every message and summary of each conversation, summed by the database."""
        totals: dict[int, Decimal] = {}
        if not ids:
            return totals
        for table in (_MESSAGES, _SUMMARIES):
            query = (
                select(table.c.conversation_id, func.sum(table.c.cost_usd))
                .where(table.c.conversation_id.in_(ids))
                .group_by(table.c.conversation_id)
            )
            for cid, part in session.execute(query):
                totals[int(cid)] = totals.get(int(cid), Decimal(0)) + summed_usd(part)
        return totals


def _on_shelf(owner_id: int | None, shelf: Shelf) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Conversation.purged_at).is_(None)]
    if owner_id is not None:
        where.append(col(Conversation.owner_id) == owner_id)
    if shelf is Shelf.TRASH:
        where.append(col(Conversation.deleted_at).is_not(None))
    else:
        where.append(col(Conversation.deleted_at).is_(None))
        archived = col(Conversation.archived_at)
        where.append(archived.is_not(None) if shelf is Shelf.ARCHIVED else archived.is_(None))
    return where
