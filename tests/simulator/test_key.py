"""The simulator's key: its usage per UTC day, week and month, and its limit (then 402)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx

from neural_terminal.simulator import running_simulator
from neural_terminal.simulator.records.catalogue import find_model
from neural_terminal.simulator.records.generations import Generation
from neural_terminal.simulator.records.key import KeyLedger


def _generation(at: datetime, completion: int, *, ended: bool = True) -> Generation:
    model = find_model("sim/terminal-small")
    assert model is not None
    generation = Generation(
        id="g", model=model, prompt_tokens=10, streamed=True, created_at=at.timestamp()
    )
    generation.completion_tokens = completion
    if ended:
        generation.complete("stop")
    return generation


def test_usage_by_utc_day_week_and_month_and_what_is_left() -> None:
    now = datetime(2026, 3, 19, 12, tzinfo=UTC)  # a Thursday
    ledger = KeyLedger(Decimal("0.01"), clock=now.timestamp)
    dated = {
        datetime(2026, 2, 27, tzinfo=UTC): 100,  # last month
        datetime(2026, 3, 2, tzinfo=UTC): 200,  # this month, an earlier week
        datetime(2026, 3, 16, 0, 0, 1, tzinfo=UTC): 300,  # this week (Monday)
        datetime(2026, 3, 19, 8, tzinfo=UTC): 400,  # today
    }
    generations = [_generation(at, tokens) for at, tokens in dated.items()]
    running = _generation(now, 50, ended=False)  # still streaming: counts as it stands
    for generation in [*generations, running]:
        ledger.add(generation)
    costs = [g.cost for g in generations]
    data = ledger.as_json()
    assert data["usage"] == sum(costs, Decimal(0)) + running.cost
    assert data["usage_daily"] == costs[3] + running.cost
    assert data["usage_weekly"] == costs[2] + costs[3] + running.cost
    assert data["usage_monthly"] == costs[1] + costs[2] + costs[3] + running.cost
    assert data["limit_remaining"] == Decimal("0.01") - data["usage"]  # type: ignore[operator]


def test_get_key_answers_and_the_limit_refuses_with_its_source() -> None:
    with running_simulator(tokens_per_second=5_000, key_limit_usd=Decimal(0)) as url:
        key = httpx.get(f"{url}/key", timeout=10).json()["data"]
        assert (key["limit"], key["usage"], key["limit_remaining"]) == (0, 0, 0)
        refused = httpx.post(
            f"{url}/chat/completions",
            json={"model": "sim/terminal-small", "messages": [{"role": "user", "content": "hi"}]},
            timeout=10,
        )
    assert refused.status_code == 402
    assert refused.json()["error"]["metadata"] == {"limit_source": "openrouter_key_limit"}
