"""Budgets in the database: the limits, the spend summed by SQL, and serialised reservations.

Spend = stored costs of messages no longer streaming and of summaries (in the period)
      + reservations of replies in flight (their pre-flight estimate, grown to their live
        estimate at each checkpoint).
It is summed for the instance, for one conversation, and (hosted mode) for the user who owns
that conversation, in that user's own period (store/spend/user_spend.py).
Check-and-reserve runs in one transaction that first takes the budget lock: ``BEGIN
IMMEDIATE`` on SQLite (one writer at a time), ``SELECT ... FOR UPDATE`` of the budget row on
PostgreSQL. Two tabs or workers racing for the last cent therefore see each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from neural_terminal.domain.periods import Period, PeriodStarts, period_starts
from neural_terminal.store.money_column import summed_usd
from neural_terminal.store.spend.user_spend import (
    CONVERSATIONS,
    MESSAGES,
    RESERVATIONS,
    SUMMARIES,
    USERS,
    UserBudgetView,
    user_budgets,
)
from neural_terminal.store.stream_owners import LOCAL_WORKER
from neural_terminal.store.tables import (
    Budget,
    MessageStatus,
    utcnow,
)

GLOBAL_ID = 1
ZERO_USD = Decimal(0)
BUDGETS: Table = Budget.__table__  # type: ignore[attr-defined]
_AMOUNT_TYPE = RESERVATIONS.c.amount_usd.type
# What counts on a budget: replies no longer streaming (a streaming one counts through its
# reservation), and only costs made here: imported ones were spent elsewhere (or before).
_SETTLED = MESSAGES.c.status != MessageStatus.STREAMING.value
_MADE_HERE = MESSAGES.c.imported_at.is_(None)
_SUMMARISED_HERE = SUMMARIES.c.imported_at.is_(None)


@dataclass(frozen=True)
class BudgetConfig:
    """The global limit (None: none), its period and the time zone periods start in."""

    limit_usd: Decimal | None
    period: Period = Period.NONE
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Spend:
    """What has been spent: globally in the period, in one conversation overall, by its owner."""

    global_usd: Decimal
    conversation_usd: Decimal
    conversation_limit_usd: Decimal | None
    # The conversation's owner (hosted mode) with their limit and their spend in its period.
    owner: UserBudgetView | None = None


Decide = Callable[[Spend], None]


class BudgetStore:
    """Reads and writes budgets, sums spend and holds reservations."""

    def __init__(
        self, engine: Engine, *, defaults: BudgetConfig, worker: str = LOCAL_WORKER
    ) -> None:
        self._engine = engine
        # Written on each reservation (released when this worker's lease expires).
        self._worker = worker
        self._defaults = defaults
        self._sqlite = engine.dialect.name == "sqlite"

    def ensure(self) -> None:
        """Create the global budget row from the settings' defaults if it is missing."""
        with self._engine.connect() as conn:
            if conn.execute(select(BUDGETS.c.id).where(BUDGETS.c.id == GLOBAL_ID)).first():
                return
            try:
                conn.execute(insert(BUDGETS).values(id=GLOBAL_ID, **self._values(self._defaults)))
                conn.commit()
            except IntegrityError:
                conn.rollback()  # another worker created it first

    def config(self) -> BudgetConfig:
        """The global budget as stored (the defaults before ``ensure``)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(BUDGETS).where(BUDGETS.c.id == GLOBAL_ID)).first()
        if row is None:
            return self._defaults
        return BudgetConfig(row.limit_usd, Period(row.period), row.time_zone)

    def set_config(self, config: BudgetConfig) -> None:
        """Store a new global limit, period and time zone."""
        self.ensure()
        with self._engine.begin() as conn:
            conn.execute(
                update(BUDGETS).where(BUDGETS.c.id == GLOBAL_ID).values(self._values(config))
            )

    def set_conversation_limit(self, *, conversation_id: int, limit_usd: Decimal | None) -> None:
        """Set (or clear, with None) one conversation's own limit."""
        with self._engine.begin() as conn:
            conn.execute(
                update(CONVERSATIONS)
                .where(CONVERSATIONS.c.id == conversation_id)
                .values(budget_usd=limit_usd)
            )

    def set_user_limit(self, *, user_id: int, limit_usd: Decimal | None, period: Period) -> bool:
        """Set (or clear, with None) one user's own limit and its period; False: no such user."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(USERS)
                .where(USERS.c.id == user_id)
                .values(budget_usd=limit_usd, budget_period=period.value)
            )
        return bool(result.rowcount)

    def user_budgets(
        self, *, starts: PeriodStarts | None = None, user_id: int | None = None
    ) -> list[UserBudgetView]:
        """Every user's (or only ``user_id``'s) limit and spend in their current period, by
        name, in one query."""
        starts = starts or self._starts_now()
        with self._engine.connect() as conn:
            return user_budgets(conn, starts=starts, user_id=user_id)

    def spend(
        self,
        *,
        since: datetime | None,
        conversation_id: int | None,
        starts: PeriodStarts | None = None,
    ) -> Spend:
        """Spend right now, without locking (for display and the pre-flight preview).

        ``starts`` places the owner's period (default: now, in the global budget's zone).
        """
        starts = starts or self._starts_now()
        with self._engine.connect() as conn:
            return _spend(conn, since=since, conversation_id=conversation_id, starts=starts)

    def spend_many(
        self,
        *,
        since: datetime | None,
        conversation_ids: Collection[int],
        starts: PeriodStarts | None = None,
    ) -> dict[int, Spend]:
        """:meth:`spend` of several conversations at once, in a fixed number of statements
        (the replies in flight re-read their allowance together at each checkpoint)."""
        starts = starts or self._starts_now()
        with self._engine.connect() as conn:
            return _spend_many(conn, since=since, conversation_ids=conversation_ids, starts=starts)

    def grow_many(self, growths: Mapping[int, Decimal]) -> None:
        """Raise several reservations (id -> live estimate, never lower) in one transaction."""
        if not growths:
            return
        statement = (
            update(RESERVATIONS)
            .where(RESERVATIONS.c.id == bindparam("reservation_id"))
            .where(RESERVATIONS.c.amount_usd < bindparam("amount", type_=_AMOUNT_TYPE))
            .values(amount_usd=bindparam("amount", type_=_AMOUNT_TYPE))
        )
        rows = [{"reservation_id": rid, "amount": amount} for rid, amount in growths.items()]
        with self._engine.begin() as conn:
            conn.execute(statement, rows)

    def reserve(
        self,
        *,
        conversation_id: int,
        amount_usd: Decimal,
        since: datetime | None,
        decide: Decide,
        starts: PeriodStarts | None = None,
    ) -> int:
        """Lock, sum, let ``decide`` refuse (by raising), else insert a reservation; its id."""
        self.ensure()
        starts = starts or self._starts_now()
        with self._engine.connect() as conn:
            self._lock(conn)
            try:
                # The owner is read under the lock too, so the user's limit is as serialised
                # as the global one.
                decide(_spend(conn, since=since, conversation_id=conversation_id, starts=starts))
                result = conn.execute(
                    insert(RESERVATIONS).values(
                        conversation_id=conversation_id,
                        amount_usd=amount_usd,
                        created_at=utcnow(),
                        worker=self._worker,
                    )
                )
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def grow(self, *, reservation_id: int, amount_usd: Decimal) -> None:
        """Raise a reservation to the reply's live estimate (never lower it)."""
        self.grow_many({reservation_id: amount_usd})

    def release(self, *, reservation_id: int) -> None:
        """Drop a reservation once its reply's cost is stored."""
        with self._engine.begin() as conn:
            conn.execute(delete(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id))

    def release_all(self) -> int:
        """Drop every reservation (start-up: their replies were marked interrupted)."""
        with self._engine.begin() as conn:
            return int(conn.execute(delete(RESERVATIONS)).rowcount or 0)

    def _starts_now(self) -> PeriodStarts:
        return period_starts(utcnow(), self.config().time_zone)

    def _lock(self, conn: Connection) -> None:
        if self._sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(select(BUDGETS.c.id).where(BUDGETS.c.id == GLOBAL_ID).with_for_update())

    @staticmethod
    def _values(config: BudgetConfig) -> dict[str, object]:
        return {
            "limit_usd": config.limit_usd,
            "period": config.period.value,
            "time_zone": config.time_zone,
            "updated_at": utcnow(),
        }


def _spend(
    conn: Connection, *, since: datetime | None, conversation_id: int | None, starts: PeriodStarts
) -> Spend:
    global_parts = _global_parts(since)
    if conversation_id is None:
        return Spend(sum(_sums(conn, global_parts), ZERO_USD), Decimal(0), None)
    # Both totals in one statement: a send reads spend under the budget lock.
    totals = _sums(
        conn,
        [
            *global_parts,
            _sum_of(MESSAGES, None, conversation_id, _SETTLED, _MADE_HERE),
            _sum_of(SUMMARIES, None, conversation_id, _SUMMARISED_HERE),
            _sum_of(RESERVATIONS, None, conversation_id),
        ],
    )
    global_usd = sum(totals[:3], ZERO_USD)
    conversation_usd = sum(totals[3:], ZERO_USD)
    row = conn.execute(
        select(CONVERSATIONS.c.budget_usd, CONVERSATIONS.c.owner_id).where(
            CONVERSATIONS.c.id == conversation_id
        )
    ).first()
    if row is None:
        return Spend(global_usd, conversation_usd, None)
    owner = None
    if row.owner_id is not None:
        owner = next(iter(user_budgets(conn, starts=starts, user_id=row.owner_id)), None)
    return Spend(global_usd, conversation_usd, row.budget_usd, owner)


def _spend_many(
    conn: Connection,
    *,
    since: datetime | None,
    conversation_ids: Collection[int],
    starts: PeriodStarts,
) -> dict[int, Spend]:
    global_usd = sum(_sums(conn, _global_parts(since)), ZERO_USD)
    ids = sorted(set(conversation_ids))
    if not ids:
        return {}
    per_conversation = [
        _sums_by_conversation(conn, MESSAGES, ids, _SETTLED, _MADE_HERE),
        _sums_by_conversation(conn, SUMMARIES, ids, _SUMMARISED_HERE),
        _sums_by_conversation(conn, RESERVATIONS, ids),
    ]
    rows = conn.execute(
        select(CONVERSATIONS.c.id, CONVERSATIONS.c.budget_usd, CONVERSATIONS.c.owner_id).where(
            CONVERSATIONS.c.id.in_(ids)
        )
    ).all()
    owners = {row.owner_id for row in rows if row.owner_id is not None}
    budgets = {b.user_id: b for b in user_budgets(conn, starts=starts)} if owners else {}
    spends: dict[int, Spend] = {}
    for row in rows:
        conversation_usd = sum((sums.get(row.id, ZERO_USD) for sums in per_conversation), ZERO_USD)
        owner = budgets.get(row.owner_id) if row.owner_id is not None else None
        spends[row.id] = Spend(global_usd, conversation_usd, row.budget_usd, owner)
    return spends


def _sums_by_conversation(
    conn: Connection, table: Table, ids: list[int], *where: object
) -> dict[int, Decimal]:
    amount = table.c.amount_usd if "amount_usd" in table.c else table.c.cost_usd
    query = (
        select(table.c.conversation_id, func.sum(amount))
        .where(table.c.conversation_id.in_(ids))
        .group_by(table.c.conversation_id)
    )
    for clause in where:
        query = query.where(clause)  # type: ignore[arg-type]
    return {conversation_id: summed_usd(total) for conversation_id, total in conn.execute(query)}


def _global_parts(since: datetime | None) -> list[Select[tuple[Decimal]]]:
    """The instance's spend since ``since``: settled replies made here, summaries made here,
    and the reservations of replies in flight (imported costs never count on a budget)."""
    return [
        _sum_of(MESSAGES, since, None, _SETTLED, _MADE_HERE),
        _sum_of(SUMMARIES, since, None, _SUMMARISED_HERE),
        _sum_of(RESERVATIONS, since, None),
    ]


def _sum_of(
    table: Table, since: datetime | None, conversation_id: int | None, *where: object
) -> Select[tuple[Decimal]]:
    """SUM of a table's amounts, since a time and in one conversation when given."""
    amount = table.c.amount_usd if "amount_usd" in table.c else table.c.cost_usd
    query = select(func.sum(amount))
    if since is not None:
        query = query.where(table.c.created_at >= since)
    if conversation_id is not None:
        query = query.where(table.c.conversation_id == conversation_id)
    for clause in where:
        query = query.where(clause)  # type: ignore[arg-type]
    return query


def _sums(conn: Connection, queries: list[Select[tuple[Decimal]]]) -> list[Decimal]:
    """Several sums in one statement, in dollars (0 where nothing was summed)."""
    row = conn.execute(select(*(q.scalar_subquery() for q in queries))).one()
    # SUM keeps the column's type, so ExactUSD turns picodollars back into dollars.
    return [summed_usd(t) for t in row]
