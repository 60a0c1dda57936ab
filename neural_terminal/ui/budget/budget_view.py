"""What the header, the banner and the budget panel say about the budgets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from neural_terminal.chat.spend.budget import BudgetStatus, Level, Limit
from neural_terminal.chat.spend.spending import Preflight
from neural_terminal.domain.errors import InvalidBudget
from neural_terminal.domain.money import exact_usd, format_price_per_million, format_usd
from neural_terminal.domain.periods import Period, zone
from neural_terminal.store.tables import PriceChange

PERIOD_WORD = {Period.NONE: "spent", Period.DAILY: "today", Period.MONTHLY: "this month"}


@dataclass(frozen=True)
class BudgetFigures:
    """The header's budget text and bar, and the banners."""

    text: str
    percent: int
    level: str
    warning: str
    suspended: str
    # Every figure to the picodollar (the header's hover and focus).
    exact: str = ""


def budget_figures(status: BudgetStatus) -> BudgetFigures:
    """``today $0.0012 / $5.00`` with the bar at the tightest limit's share."""
    limits = status.limits
    if not limits:
        spent = format_usd(status.spend.global_usd)
        word = PERIOD_WORD[status.config.period]
        exact = f"{word} {exact_usd(status.spend.global_usd)} exactly; no limit is set"
        return BudgetFigures(f"{word} {spent} · no limit", 0, "none", "", "", exact)
    tightest = max(limits, key=lambda lim: lim.fraction)
    text = " · ".join(
        f"{_word(lim, status)} {format_usd(lim.spent_usd)} / {format_usd(lim.limit_usd)}"
        for lim in limits
    )
    percent = int(min(Decimal(100), tightest.fraction * 100))
    warning = ""
    if tightest.level is Level.WARNING:
        warning = (
            f"Budget warning: {percent}% of the {tightest.label} "
            f"({format_usd(tightest.spent_usd)} of {format_usd(tightest.limit_usd)}) is spent."
        )
    suspended = ""
    exceeded = status.exceeded
    if exceeded is not None:
        lift = exceeded.remedy
        resets_at = status.resets_of(exceeded)
        if resets_at is not None and exceeded.scope in ("global", "user"):
            local = resets_at.astimezone(zone(status.config.time_zone))
            lift += f" or wait until it resets at {local:%Y-%m-%d %H:%M} {status.config.time_zone}"
        suspended = (
            f"SUSPENDED: the {exceeded.label} of {format_usd(exceeded.limit_usd)} is reached "
            f"({format_usd(exceeded.spent_usd)} spent). Sending is paused: {lift}."
        )
    exact = "; ".join(
        f"{lim.label}: {exact_usd(lim.spent_usd)} of {exact_usd(lim.limit_usd)} "
        f"({int(min(Decimal(100), lim.fraction * 100))}%)"
        for lim in limits
    )
    return BudgetFigures(text, percent, tightest.level.value, warning, suspended, exact)


def _word(lim: Limit, status: BudgetStatus) -> str:
    """How the header names a limit: ``today``, ``conversation``, ``you this month``."""
    if lim.scope == "global":
        return PERIOD_WORD[status.config.period]
    if lim.scope == "user":
        return "you" if lim.period is Period.NONE else f"you {PERIOD_WORD[lim.period]}"
    return "conversation"


def parse_limit(raw: str) -> Decimal | None:
    """A dollar amount typed in the panel (``$`` and commas allowed); empty means no limit."""
    text = raw.strip().removeprefix("$").replace(",", "")
    if not text or text.lower() in ("none", "off"):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidBudget(detail=f"limit={raw!r}") from exc
    if not value.is_finite() or value < 0:
        raise InvalidBudget(detail=f"limit={raw!r}")
    return value


def limit_text(value: Decimal | None) -> str:
    """A limit as the panel's input shows it (exact, never rounded)."""
    return "" if value is None else f"{value:f}"


def preflight_text(estimate: Preflight | None) -> str:
    """``≈ $0.0009 to send (1,234 in + 512 out)``."""
    if estimate is None:
        return ""
    tokens = f"{estimate.prompt_tokens:,} in + {estimate.completion_tokens:,} out"
    if estimate.cost_usd is None:
        return f"price unknown for {estimate.model} ({tokens})"
    return f"≈ {format_usd(estimate.cost_usd)} to send ({tokens})"


def price_change_text(changes: list[PriceChange]) -> str:
    """``price changed: in $0.5/M -> $0.6/M``, from the last fetch that changed it."""
    short = {"prompt": "in", "completion": "out", "request": "request"}
    parts = []
    for change in changes:
        name = short.get(change.component, change.component)
        old, new = Decimal(change.old_price), Decimal(change.new_price)
        if change.component == "request":
            parts.append(f"{name} {format_usd(old)} -> {format_usd(new)}")
        else:
            parts.append(
                f"{name} {format_price_per_million(old)} -> {format_price_per_million(new)}"
            )
    return "price changed: " + ", ".join(parts) if parts else ""
