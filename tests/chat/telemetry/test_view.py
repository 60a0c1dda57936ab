"""The telemetry view: local days in the budget's zone (a DST day included), ranges, the
budget's projection at the current rate, and a download read at the page's instant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.spend.budget import BudgetGuard
from neural_terminal.chat.telemetry.ranges import (
    RangeChoice,
    RangeName,
    choice_query,
    parse_choice,
    resolve,
)
from neural_terminal.chat.telemetry.view import Telemetry
from neural_terminal.domain.periods import Period
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.store.engine import make_engine
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.telemetry.telemetry_store import TelemetryStore
from tests.owned_rows import MESSAGES, add_user, owned_conversation

BERLIN = "Europe/Berlin"
# Noon in Berlin on 30 March 2026, the day after the clocks went forward (UTC+2 since).
NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


def telemetry(
    engine: Engine, *, limit: str | None = "3", period: Period = Period.MONTHLY
) -> Telemetry:
    store = BudgetStore(
        engine, defaults=BudgetConfig(Decimal(limit) if limit else None, period, BERLIN)
    )
    store.ensure()
    return Telemetry(
        store=TelemetryStore(engine), budget=BudgetGuard(store, EventBus()), clock=lambda: NOW
    )


def reply(engine: Engine, conversation: int, at: datetime, cost: str, model: str = "m") -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(MESSAGES).values(
                conversation_id=conversation,
                role="assistant",
                content="x",
                status="complete",
                model=model,
                cost_usd=Decimal(cost),
                completion_tokens=10,
                first_token_ms=100,
                total_ms=1000,
                created_at=at,
            )
        )


def test_spend_falls_on_the_local_day_it_was_spent_across_a_dst_change(engine: Engine) -> None:
    chat = owned_conversation(engine, None)
    # 23:30 UTC on 28 March is 00:30 on the 29th in Berlin (UTC+1); 22:30 UTC on the 29th is
    # 00:30 on the 30th (UTC+2 by then); 21:59 UTC on the 29th is still the 29th.
    reply(engine, chat, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "0.000001")
    reply(engine, chat, datetime(2026, 3, 29, 21, 59, tzinfo=UTC), "0.000002")
    reply(engine, chat, datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "0.000004")
    reply(engine, chat, datetime(2026, 3, 28, 22, 59, tzinfo=UTC), "0.000008")  # the 28th
    view = telemetry(engine).view_now(LOCAL_OWNER, RangeChoice(RangeName.WEEK))
    days = {d.day: d.usd for d in view.spend.days}
    assert list(days) == [date(2026, 3, 24) + timedelta(days=n) for n in range(7)]
    assert days[date(2026, 3, 28)] == Decimal("0.000008")
    assert days[date(2026, 3, 29)] == Decimal("0.000003")
    assert days[date(2026, 3, 30)] == Decimal("0.000004")
    assert view.total_usd == Decimal("0.000015")


def test_the_monthly_budget_is_projected_to_its_end_at_the_rate_so_far(engine: Engine) -> None:
    chat = owned_conversation(engine, None)
    reply(engine, chat, datetime(2026, 2, 27, 12, 0, tzinfo=UTC), "5")  # last month: not counted
    reply(engine, chat, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), "0.6")
    reply(engine, chat, datetime(2026, 3, 30, 9, 0, tzinfo=UTC), "0.1")
    curve = telemetry(engine).view_now(LOCAL_OWNER, RangeChoice(RangeName.TODAY)).spend
    start = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # 1 March in Berlin
    end = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # 1 April in Berlin (summer time)
    spent = Decimal("0.7")
    rate = spent / Decimal(str((NOW - start).total_seconds()))
    expected = (spent + rate * Decimal(str((end - NOW).total_seconds()))).quantize(Decimal("1e-12"))
    assert (curve.limit_usd, curve.period) == (Decimal(3), Period.MONTHLY)
    assert (curve.period_spent_usd, curve.projected_usd) == (spent, expected)
    assert [d.day for d in curve.projection] == [date(2026, 3, 30), date(2026, 3, 31)]
    assert curve.projection[-1].usd == expected
    totals = {d.day: d.usd for d in curve.totals}
    assert totals[date(2026, 3, 1)] == Decimal(0)
    assert totals[date(2026, 3, 2)] == Decimal("0.6")
    assert totals[date(2026, 3, 30)] == spent


def test_a_lifetime_budget_counts_everything_and_one_model_has_no_projection(
    engine: Engine,
) -> None:
    chat = owned_conversation(engine, None)
    reply(engine, chat, datetime(2025, 6, 1, tzinfo=UTC), "1")
    reply(engine, chat, datetime(2026, 3, 10, tzinfo=UTC), "0.5", model="n")
    service = telemetry(engine, period=Period.NONE)
    curve = service.view_now(LOCAL_OWNER, RangeChoice(RangeName.MONTH)).spend
    assert curve.period_spent_usd == Decimal("1.5")
    assert curve.projected_usd is not None
    assert curve.projected_usd > Decimal("1.5")
    one = service.view_now(LOCAL_OWNER, RangeChoice(RangeName.MONTH, model="n")).spend
    assert (one.projected_usd, one.projection) == (None, ())
    every = service.view_now(LOCAL_OWNER, RangeChoice(RangeName.ALL))
    assert every.spend.days[0].day == date(2025, 6, 1)
    assert every.spend.days[-1].day == date(2026, 3, 30)


def test_a_user_sees_their_own_limit_and_spend_only(engine: Engine) -> None:
    ann = add_user(engine, "ann", limit="2", period=Period.DAILY)
    bob = add_user(engine, "bob")
    reply(engine, owned_conversation(engine, ann), NOW - timedelta(hours=1), "0.25")
    reply(engine, owned_conversation(engine, bob), NOW - timedelta(hours=1), "0.5")
    service = telemetry(engine)
    mine = service.view_now(Viewer(ann), RangeChoice(RangeName.TODAY))
    assert (mine.total_usd, mine.spend.limit_usd, mine.spend.period) == (
        Decimal("0.25"),
        Decimal(2),
        Period.DAILY,
    )
    assert mine.spend.period_spent_usd == Decimal("0.25")
    theirs = service.view_now(Viewer(bob), RangeChoice(RangeName.TODAY))
    assert (theirs.total_usd, theirs.spend.limit_usd) == (Decimal("0.5"), None)


def test_a_download_read_at_the_pages_instant_leaves_out_what_came_later(
    engine: Engine,
) -> None:
    chat = owned_conversation(engine, None)
    reply(engine, chat, NOW - timedelta(hours=2), "0.1")
    service = telemetry(engine)
    page = service.view_now(LOCAL_OWNER, RangeChoice(RangeName.TODAY))
    reply(engine, chat, NOW - timedelta(minutes=30), "0.2")  # stored after the page read
    again = parse_choice("today", at=(NOW - timedelta(hours=1)).isoformat())
    earlier = service.view_now(LOCAL_OWNER, again)
    assert page.at == NOW
    assert earlier.total_usd == Decimal("0.1")
    later = parse_choice("today", at=(NOW + timedelta(days=1)).isoformat())  # never the future
    assert service.view_now(LOCAL_OWNER, later).at == NOW


@pytest.mark.parametrize(
    ("name", "first", "end"),
    [
        ("today", "2026-03-30T00:00+02:00", "2026-03-31T00:00+02:00"),
        ("7d", "2026-03-24T00:00+01:00", "2026-03-31T00:00+02:00"),
        ("30d", "2026-03-01T00:00+01:00", "2026-03-31T00:00+02:00"),
    ],
)
def test_ranges_run_from_local_midnight_to_the_midnight_after_today(
    name: str, first: str, end: str
) -> None:
    query = resolve(parse_choice(name), now=NOW, tz=BERLIN)
    assert query.start == datetime.fromisoformat(first)
    assert query.end == datetime.fromisoformat(end)


def test_a_custom_range_reads_back_from_its_query_and_swaps_reversed_days() -> None:
    choice = parse_choice("custom", "2026-03-20", "2026-03-10", "sim/x", "2026-03-30T10:00:00Z")
    assert parse_choice(*_fields(choice_query(choice))) == choice
    query = resolve(choice, now=NOW, tz="UTC")
    assert (query.start, query.end, query.model) == (
        datetime(2026, 3, 10, tzinfo=UTC),
        datetime(2026, 3, 21, tzinfo=UTC),
        "sim/x",
    )
    assert parse_choice("nonsense", "not a day").name is RangeName.WEEK


def _fields(query: str) -> tuple[str, str, str, str, str]:
    from urllib.parse import parse_qs

    found = {k: v[0] for k, v in parse_qs(query).items()}
    return (
        found.get("range", ""),
        found.get("from", ""),
        found.get("to", ""),
        found.get("model", ""),
        found.get("at", ""),
    )


def test_every_chart_read_again_at_the_pages_instant_is_the_same(engine: Engine) -> None:
    from dataclasses import replace

    from neural_terminal.chat.telemetry.charts import CHARTS

    chat = owned_conversation(engine, None)
    reply(engine, chat, NOW - timedelta(days=3), "0.25")
    reply(engine, chat, NOW - timedelta(hours=1), "0.5")
    ticks = iter(NOW + timedelta(seconds=n, microseconds=7 * n) for n in range(10))
    store = BudgetStore(engine, defaults=BudgetConfig(Decimal(5), Period.NONE, BERLIN))
    store.ensure()
    service = Telemetry(
        store=TelemetryStore(engine),
        budget=BudgetGuard(store, EventBus()),
        clock=lambda: next(ticks),
    )
    choice = RangeChoice(RangeName.WEEK)
    page = service.view_now(LOCAL_OWNER, choice)
    again = parse_choice(*_fields(choice_query(replace(choice, at=page.at))))
    download = service.view_now(LOCAL_OWNER, again)
    for name, chart in CHARTS.items():
        assert chart(download) == chart(page), name
