"""The Budget Guardian: limits, what is spent against them, and the refusals.

Every figure is summed from the database (store/spend/budget_store.py), so tabs and workers agree.
A limit is *warning* from exactly 80% and *exceeded* from exactly 100%; a send is refused
when a limit is exceeded or its pre-flight estimate would take the spend past the limit.
The limits: the instance's (global) in its period, the conversation's own, and in hosted mode
the limit an admin set for the conversation's owner, in that user's period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from neural_terminal.chat.bus import EventBus
from neural_terminal.domain.errors import OverBudget
from neural_terminal.domain.events import BudgetExceeded, BudgetThreshold
from neural_terminal.domain.money import format_usd
from neural_terminal.domain.periods import Period, period_end, period_start, period_starts
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore, Spend
from neural_terminal.store.spend.user_spend import UserBudgetView

WARN_AT = Decimal("0.8")
ZERO = Decimal(0)
GLOBAL = "global"
CONVERSATION = "conversation"
USER = "user"
USER_LABEL = {
    Period.NONE: "user limit",
    Period.DAILY: "daily user limit",
    Period.MONTHLY: "monthly user limit",
}
PERIOD_TAIL = {Period.NONE: "", Period.DAILY: " today", Period.MONTHLY: " this month"}


class Level(StrEnum):
    """How close a spend is to its limit."""

    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"


@dataclass(frozen=True)
class Limit:
    """One limit and what is spent against it."""

    scope: str
    label: str
    limit_usd: Decimal
    spent_usd: Decimal
    period: Period = Period.NONE

    @property
    def level(self) -> Level:
        """Exceeded at exactly 100%, warning at exactly 80%."""
        if self.spent_usd >= self.limit_usd:
            return Level.EXCEEDED
        if self.spent_usd >= self.limit_usd * WARN_AT:
            return Level.WARNING
        return Level.OK

    @property
    def fraction(self) -> Decimal:
        """Spent / limit (1 for a zero limit)."""
        return self.spent_usd / self.limit_usd if self.limit_usd > 0 else Decimal(1)

    @property
    def phrase(self) -> str:
        """How a refusal names it: ``the global budget of $5.00``, ``your limit of $2.00 today``."""
        amount = format_usd(self.limit_usd)
        if self.scope == USER:
            return f"your limit of {amount}{PERIOD_TAIL[self.period]}"
        return f"the {self.label} of {amount}"

    @property
    def remedy(self) -> str:
        """What lifts it besides waiting: the budget panel, or an admin for a user's limit."""
        if self.scope == USER:
            return "ask an admin to raise your limit"
        return "raise the limit in the budget panel"


@dataclass(frozen=True)
class BudgetStatus:
    """The global budget in its period, the conversation's own and its owner's, right now."""

    config: BudgetConfig
    spend: Spend
    resets_at: datetime | None
    # When the owner's own period starts again (None: it never does, or no owner).
    owner_resets_at: datetime | None = None

    @property
    def limits(self) -> list[Limit]:
        """The limits that are set, global first."""
        found: list[Limit] = []
        if self.config.limit_usd is not None:
            label = {
                Period.NONE: "global budget",
                Period.DAILY: "global daily budget",
                Period.MONTHLY: "global monthly budget",
            }[self.config.period]
            found.append(Limit(GLOBAL, label, self.config.limit_usd, self.spend.global_usd))
        if self.spend.conversation_limit_usd is not None:
            found.append(
                Limit(
                    CONVERSATION,
                    "conversation budget",
                    self.spend.conversation_limit_usd,
                    self.spend.conversation_usd,
                )
            )
        owner = self.spend.owner
        if owner is not None and owner.limit_usd is not None:
            label = USER_LABEL[owner.period]
            found.append(Limit(USER, label, owner.limit_usd, owner.total_usd, owner.period))
        return found

    def resets_of(self, lim: Limit) -> datetime | None:
        """When the period of ``lim`` starts again (a user's limit has its own period)."""
        return self.owner_resets_at if lim.scope == USER else self.resets_at

    @property
    def exceeded(self) -> Limit | None:
        """The first limit at or past 100%, if any."""
        return next((lim for lim in self.limits if lim.level is Level.EXCEEDED), None)

    @property
    def level(self) -> Level:
        """The worst level over every limit."""
        levels = {lim.level for lim in self.limits}
        for level in (Level.EXCEEDED, Level.WARNING):
            if level in levels:
                return level
        return Level.OK


class BudgetGuard:
    """Checks and reserves spend before a send; publishes threshold and exceeded events."""

    def __init__(
        self,
        store: BudgetStore,
        bus: EventBus,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        # Only to publish each crossing once; the figures themselves always come from the DB.
        self._published: dict[str, Level] = {}

    @property
    def store(self) -> BudgetStore:
        """The budget store (reservations are grown and released through it)."""
        return self._store

    def since(self, config: BudgetConfig | None = None) -> datetime | None:
        """The start of the current period (None: spend since the beginning counts)."""
        config = config or self._store.config()
        return period_start(self._clock(), config.period, config.time_zone)

    def status(self, conversation_id: int | None) -> BudgetStatus:
        """Limits and spend right now."""
        config = self._store.config()
        now = self._clock()
        spend = self._store.spend(
            since=period_start(now, config.period, config.time_zone),
            conversation_id=conversation_id or None,
            starts=period_starts(now, config.time_zone),
        )
        return _status(config, spend, now)

    def user_statuses(self) -> list[UserBudgetView]:
        """Every user's own limit and spend in their current period, by name (one query)."""
        config = self._store.config()
        return self._store.user_budgets(starts=period_starts(self._clock(), config.time_zone))

    def check(self, conversation_id: int | None, estimate_usd: Decimal) -> BudgetStatus:
        """Raise OverBudget when a send estimated at ``estimate_usd`` must not go (no lock)."""
        status = self.status(conversation_id)
        self._refuse_if_over(status, estimate_usd)
        return status

    def reserve(
        self, conversation_id: int, estimate_usd: Decimal, *, carried: Decimal = ZERO
    ) -> int:
        """Check and set aside ``estimate_usd`` (+ ``carried``) atomically; the reservation id."""
        reservation_id, _ = self.reserve_with_allowance(
            conversation_id, estimate_usd, carried=carried
        )
        return reservation_id

    def reserve_with_allowance(
        self, conversation_id: int, estimate_usd: Decimal, *, carried: Decimal = ZERO
    ) -> tuple[int, Decimal | None]:
        """:meth:`reserve`, and the reply's :meth:`allowance` from the same locked read (the
        spend before this reservation is the room it has), so a send reads spend once."""
        config = self._store.config()
        now = self._clock()
        rooms: list[Decimal] = []

        def decide(spend: Spend) -> None:
            status = _status(config, spend, now)
            self._refuse_if_over(status, estimate_usd)
            rooms.extend(lim.limit_usd - lim.spent_usd for lim in status.limits)

        reservation_id = self._store.reserve(
            conversation_id=conversation_id,
            amount_usd=estimate_usd + carried,
            since=period_start(now, config.period, config.time_zone),
            decide=decide,
            starts=period_starts(now, config.time_zone),
        )
        return reservation_id, min(rooms) if rooms else None

    def allowance(self, conversation_id: int, own_reserved: Decimal) -> Decimal | None:
        """The most a reply in flight may cost in all: the tightest limit's room for it."""
        status = self.status(conversation_id)
        rooms = [lim.limit_usd - (lim.spent_usd - own_reserved) for lim in status.limits]
        return min(rooms) if rooms else None

    def allowances(self, replies: Sequence[tuple[int, Decimal]]) -> list[Decimal | None]:
        """:meth:`allowance` of several replies in flight, given as (conversation, own
        reservation), read together in a fixed number of statements."""
        config = self._store.config()
        now = self._clock()
        spends = self._store.spend_many(
            since=period_start(now, config.period, config.time_zone),
            conversation_ids=[conversation_id for conversation_id, _ in replies],
            starts=period_starts(now, config.time_zone),
        )
        allowances: list[Decimal | None] = []
        for conversation_id, own_reserved in replies:
            spend = spends.get(conversation_id)
            if spend is None:  # the conversation is gone: only the wider limits apply
                allowances.append(self.allowance(conversation_id, own_reserved))
                continue
            limits = _status(config, spend, now).limits
            rooms = [lim.limit_usd - (lim.spent_usd - own_reserved) for lim in limits]
            allowances.append(min(rooms) if rooms else None)
        return allowances

    def settle(self, conversation_id: int | None) -> BudgetStatus:
        """After spending: publish BudgetThreshold / BudgetExceeded once per crossing."""
        status = self.status(conversation_id)
        for lim in status.limits:
            key = _crossing_key(lim, status, conversation_id)
            if self._published.get(key, Level.OK) == lim.level:
                continue
            self._published[key] = lim.level
            if lim.level is Level.WARNING:
                self._bus.publish(BudgetThreshold(lim.scope, lim.spent_usd, lim.limit_usd))
            elif lim.level is Level.EXCEEDED:
                self._bus.publish(BudgetExceeded(lim.scope, lim.spent_usd, lim.limit_usd))
        return status

    def _refuse_if_over(self, status: BudgetStatus, estimate_usd: Decimal) -> None:
        for lim in status.limits:
            if lim.level is Level.EXCEEDED or lim.spent_usd + estimate_usd > lim.limit_usd:
                self._bus.publish(BudgetExceeded(lim.scope, lim.spent_usd, lim.limit_usd))
                raise OverBudget(
                    refusal_text(lim, estimate_usd, status.resets_of(lim)),
                    detail=f"scope={lim.scope}",
                    scope=lim.scope,
                    limit_usd=lim.limit_usd,
                    spent_usd=lim.spent_usd,
                    estimate_usd=estimate_usd,
                )


def refusal_text(lim: Limit, estimate_usd: Decimal, resets_at: datetime | None) -> str:
    """Names the limit, the spend and the estimate, and what lifts the refusal."""
    reached = "is used up" if lim.level is Level.EXCEEDED else "would be exceeded"
    when = f", or wait until it resets at {resets_at:%Y-%m-%d %H:%M} UTC" if resets_at else ""
    remedy = lim.remedy[:1].upper() + lim.remedy[1:]
    return (
        f"Not sent: {lim.phrase} {reached}. "
        f"Spent {format_usd(lim.spent_usd)}; this message would cost about "
        f"{format_usd(estimate_usd)}. {remedy}{when}. "
        "Your message is kept."
    )


def _status(config: BudgetConfig, spend: Spend, now: datetime) -> BudgetStatus:
    owner = spend.owner
    return BudgetStatus(
        config,
        spend,
        period_end(now, config.period, config.time_zone),
        period_end(now, owner.period, config.time_zone) if owner else None,
    )


def _crossing_key(lim: Limit, status: BudgetStatus, conversation_id: int | None) -> str:
    # A crossing is published once per limit: the instance's, a conversation's, a user's.
    if lim.scope == GLOBAL:
        return GLOBAL
    if lim.scope == USER and status.spend.owner is not None:
        return f"{USER}:{status.spend.owner.user_id}"
    return f"{lim.scope}:{conversation_id}"
