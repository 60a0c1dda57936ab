"""Telemetry against the simulator over real HTTP: /metrics counters move by exactly one
reply's worth, retries and failures are counted by kind, providers and the key's credit are
read from the simulator's records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from neural_terminal.bootstrap import Services, build_services, resilience_from
from neural_terminal.chat.telemetry.credit import AccountCredit
from neural_terminal.chat.telemetry.ranges import RangeChoice, RangeName
from neural_terminal.chat.turns.orchestrator import collect
from neural_terminal.chat.turns.replies import ReplyFinished, ReplyRetrying
from neural_terminal.chat.turns.turn import TurnRequest
from neural_terminal.domain.outcomes import FailureKind, Outcome, TurnOutcome
from neural_terminal.domain.viewer import LOCAL_OWNER
from neural_terminal.settings import Settings
from neural_terminal.simulator import running_simulator
from neural_terminal.upstream.records import UpstreamRecords
from tests.integration.conftest import CountingTransport, RecordedSleeps

MODEL = "sim/terminal-small"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(services: Services) -> Samples:
    """Every sample of /metrics' text, parsed by Prometheus' own parser."""
    text = services.recorder.metrics.exposition().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What changed between two scrapes (created timestamps left out)."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if after[key] != before.get(key, 0.0) and not key[0].endswith("_created")
    }


async def turn(services: Services, request: TurnRequest) -> tuple[list[object], TurnOutcome]:
    """Run a turn as the page does: watch it, tell it about retries, end it."""
    watch = services.recorder.watch(request)
    events = await collect(services.chat.start(request))
    for event in events:
        if isinstance(event, ReplyRetrying):
            watch.retrying(event)
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    return list(events), await watch.ended(finished.message, error=finished.error)


def label(model: str, **more: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"model": model, **more}.items()))


@pytest.mark.asyncio
async def test_one_reply_moves_the_counters_by_exactly_its_worth(services: Services) -> None:
    before = scrape(services)
    _, outcome = await turn(services, TurnRequest.send(None, "[[sim:tokens=40]] hi", model=MODEL))
    after = scrape(services)
    change = moved(before, after)
    assert outcome.outcome is Outcome.COMPLETE
    assert outcome.completion_tokens == 40
    assert outcome.cost_usd > 0
    counters = {key: value for key, value in change.items() if key[0].endswith("_total")}
    assert counters == {
        ("neural_terminal_replies_total", label(MODEL, outcome="complete")): 1.0,
        ("neural_terminal_tokens_total", label(MODEL, direction="prompt")): outcome.prompt_tokens,
        ("neural_terminal_tokens_total", label(MODEL, direction="completion")): 40.0,
        ("neural_terminal_spend_usd_total", label(MODEL)): float(outcome.cost_usd),
    }
    assert outcome.first_token_ms is not None
    assert outcome.total_ms is not None
    assert outcome.tokens_per_second is not None
    observed = {
        "neural_terminal_time_to_first_token_seconds": outcome.first_token_ms / 1000,
        "neural_terminal_reply_duration_seconds": outcome.total_ms / 1000,
        "neural_terminal_tokens_per_second": outcome.tokens_per_second,
    }
    for name, value in observed.items():
        assert change[(f"{name}_count", label(MODEL))] == 1.0
        assert change[(f"{name}_sum", label(MODEL))] == pytest.approx(value)
        buckets = [k for k in change if k[0] == f"{name}_bucket"]
        assert buckets, name  # the buckets at and above the value moved by one
        assert all(change[k] == 1.0 for k in buckets)
    others = {k for k in change if not k[0].endswith(("_total", "_count", "_sum", "_bucket"))}
    assert others == set()


@pytest.mark.asyncio
async def test_a_retried_rate_limit_and_a_dropped_reply_are_counted_by_kind(
    services: Services,
) -> None:
    before = scrape(services)
    _, retried = await turn(
        services,
        TurnRequest.send(None, "[[sim:fault=http-429-retry-1-times-1]] once more", model=MODEL),
    )
    _, dropped = await turn(
        services, TurnRequest.send(None, "[[sim:fault=drop-after-5]] go", model=MODEL)
    )
    after = scrape(services)
    assert retried.outcome is Outcome.COMPLETE
    assert [kind.value for kind in retried.retries] == ["rate_limit"]
    assert dropped.outcome is Outcome.INTERRUPTED
    change = moved(before, after)
    assert change[("neural_terminal_retries_total", (("kind", "rate_limit"),))] == 1.0
    assert change[("neural_terminal_failures_total", (("kind", "drop"),))] == 1.0
    assert change[("neural_terminal_replies_total", label(MODEL, outcome="interrupted"))] == 1.0
    view = services.telemetry.view_now(LOCAL_OWNER, RangeChoice(RangeName.TODAY))
    assert sorted((f.kind, f.count) for f in view.failures) == [("drop", 1), ("rate_limit", 1)]


@pytest.mark.asyncio
async def test_the_provider_of_each_reply_is_stored_from_its_generation_record(
    services: Services,
) -> None:
    _, outcome = await turn(services, TurnRequest.send(None, "hello", model=MODEL))
    await services.providers.wait()
    view = services.telemetry.view_now(LOCAL_OWNER, RangeChoice(RangeName.ALL))
    assert [(s.model, s.provider, s.replies) for s in view.scores] == [(MODEL, "Simulator", 1)]
    assert outcome.message_id is not None


@pytest_asyncio.fixture
async def limited(settings: Settings) -> AsyncIterator[Services]:
    """A simulator of its own whose key may spend $0.0001, and the services using it."""
    with running_simulator(tokens_per_second=2_000.0, key_limit_usd=Decimal("0.0001")) as url:
        own = replace(settings, simulator_url=url)
        resilience = replace(resilience_from(own), sleep=RecordedSleeps())
        built = build_services(own, resilience=resilience, transport=CountingTransport())
        yield built
        await built.aclose()


@pytest.mark.asyncio
async def test_the_keys_credit_follows_the_simulators_own_counters(limited: Services) -> None:
    now = [0.0]
    records = UpstreamRecords.from_settings(limited.http, limited.settings)
    credit = AccountCredit(records.key_info, clock=lambda: now[0])
    first = await credit.current()
    assert first is not None
    assert (first.limit_usd, first.remaining_usd, first.usage_usd) == (
        Decimal("0.0001"),
        Decimal("0.0001"),
        Decimal(0),
    )
    spent = Decimal(0)
    refused = None
    for n in range(40):
        _, outcome = await turn(
            limited, TurnRequest.send(None, f"[[sim:tokens=300]] reply {n}", model=MODEL)
        )
        if outcome.outcome is not Outcome.COMPLETE:
            refused = outcome
            break
        spent += outcome.cost_usd
    assert refused is not None, "the key's limit was never reached"
    assert refused.failure is FailureKind.UPSTREAM
    message = limited.chat.message(refused.message_id or 0)
    assert message is not None
    assert "API key's own spending limit" in (message.error or "")
    now[0] = 59.9
    assert await credit.current() is first  # asked again within the minute: kept
    assert credit.lookups == 1
    now[0] = 60.0
    fresh = await credit.current()
    assert fresh is not None
    assert credit.lookups == 2
    assert fresh.usage_usd == spent
    assert fresh.usage_daily_usd == spent
    assert fresh.remaining_usd == max(Decimal(0), Decimal("0.0001") - spent)
