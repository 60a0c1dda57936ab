"""Telemetry in the browser: after a few simulator replies every panel of the telemetry page
shows data, each chart's CSV equals its data table, the t key goes there and back, and
/metrics (bearer token) moved by exactly the replies' worth."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from neural_terminal.chat.telemetry.charts import CHARTS
from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import Message
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_branches import ask, settled
from tests.e2e.test_chat import choose_model, open_app, press_enter_with

TOKEN = "scrape-me"
MESSAGES = Message.__table__  # type: ignore[attr-defined]
# What each chart draws, to see that it drew something.
DRAWN = {
    "spend": ".recharts-bar-rectangle",
    "by_model": ".recharts-bar-rectangle",
    "by_conversation": ".recharts-bar-rectangle",
    "ttft": ".recharts-bar-rectangle",
    "speed": ".recharts-bar-rectangle",
    "latency": ".recharts-scatter-symbol",
    # The simulator's estimates are exact (drift 0): its bars have no height, its axis names
    # the models.
    "drift": ".recharts-xAxis .recharts-cartesian-axis-tick",
    "failures": ".recharts-bar-rectangle",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app with /metrics on (and its token), the simulator at a brisk pace, and a budget
    small enough for the spend chart to show the projection against it."""
    with running_app(
        tmp_path_factory.mktemp("telemetry"),
        NEURAL_TERMINAL_METRICS="on",
        NEURAL_TERMINAL_METRICS_TOKEN=TOKEN,
        NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND="400",
        NEURAL_TERMINAL_BUDGET_USD="0.03",
    ) as running:
        yield running


def scrape(app: RunningApp) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(
        app.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    response.raise_for_status()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def stored_replies(app: RunningApp) -> list[tuple[str, str, int, int]]:
    engine = make_engine(app.database_url)
    query = select(
        MESSAGES.c.model, MESSAGES.c.status, MESSAGES.c.prompt_tokens, MESSAGES.c.completion_tokens
    ).where(MESSAGES.c.role == "assistant")
    with engine.connect() as conn:
        rows = [(str(m), str(s), int(p or 0), int(c or 0)) for m, s, p, c in conn.execute(query)]
    engine.dispose()
    return rows


def table_of(page: Page, name: str) -> list[list[str]]:
    """The panel's data table as the page shows it: header, then rows."""
    page.locator(f"#data-{name} > summary").click()
    table = page.locator(f"#table-{name}")
    expect(table).to_be_visible()
    rows: list[list[str]] = table.evaluate(
        "(t) => [...t.rows].map((r) => [...r.cells].map((c) => c.textContent))"
    )
    return rows


def test_every_panel_shows_data_and_every_csv_is_its_chart(page: Page, app: RunningApp) -> None:
    assert httpx.get(app.url + "/metrics", timeout=10).status_code == 401  # no token, no cookie
    before = scrape(app)
    open_app(page, app)
    page.locator("#new-conversation").click()
    ask(page, "[[sim:tokens=30]] first")
    ask(page, "[[sim:tokens=60]] second")
    choose_model(page, "sim/terminal-large")
    ask(page, "[[sim:tokens=45]] third, on another model")
    press_enter_with(page, "[[sim:fault=drop-after-5]] this one breaks")
    expect(page.locator('.nt-msg[data-status="interrupted"]')).to_have_count(1, timeout=60_000)
    settled(page)

    after = scrape(app)
    replies = stored_replies(app)
    assert len(replies) == 4
    for model, status, prompt, completion in replies:
        del status, prompt, completion
        mine = [r for r in replies if r[0] == model]
        key = ("neural_terminal_tokens_total", (("direction", "completion"), ("model", model)))
        assert after[key] - before.get(key, 0.0) == sum(r[3] for r in mine)
        key = ("neural_terminal_tokens_total", (("direction", "prompt"), ("model", model)))
        assert after[key] - before.get(key, 0.0) == sum(r[2] for r in mine)
    complete = (
        "neural_terminal_replies_total",
        (("model", "sim/terminal-small"), ("outcome", "complete")),
    )
    assert after[complete] - before.get(complete, 0.0) == 2
    assert after[("neural_terminal_failures_total", (("kind", "drop"),))] == 1
    assert after[("neural_terminal_websocket_clients", ())] >= 1  # this page's socket
    assert after[("neural_terminal_active_streams", ())] == 0
    assert after[("neural_terminal_breaker_state", (("state", "closed"),))] == 1

    # t (outside the composer) goes to the telemetry page.
    page.locator("#transcript").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")
    expect(page.locator("#telemetry-grid")).to_be_visible(timeout=30_000)
    expect(page.locator("#scoreboard tbody tr")).to_have_count(2)
    for name, drawn in DRAWN.items():
        expect(page.locator(f"#panel-{name} {drawn}").first).to_be_attached()

    cookies = app.cookies
    query = page.locator("#telemetry-grid").get_attribute("data-query")
    assert query is not None
    assert "at=" in query
    for name in CHARTS:
        shown = table_of(page, name)
        assert len(shown) > 1, f"{name} has no data"
        response = httpx.get(
            f"{app.url}/api/telemetry/{name}.csv?{query}", cookies=cookies, timeout=30
        )
        assert response.status_code == 200
        assert list(csv.reader(io.StringIO(response.text))) == shown, name

    # The button downloads the same file; the scoreboard sorts; Escape goes back.
    with page.expect_download() as download:
        page.locator("#csv-scoreboard").click()
    assert Path(download.value.path()).read_text().startswith("model,provider,replies")
    page.locator("#sort-replies").click()
    expect(page.locator("#scoreboard tbody tr").first).to_contain_text("sim/terminal-large")
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "telemetry.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(page.locator("#composer")).to_be_visible()
