"""How fast the model picker filters a catalogue of 350 models as one types (issue 15).

A keystroke in the picker never reaches the server (assets/models.js searches the catalogue
written once into the page), so the figure is the browser's: from the key going down to the
filtered list drawn (script work), and to the next frame painted. The page is the picker's own
markup, stylesheets and script over a generated catalogue of 350 models (40 providers, prices
and windows as varied as OpenRouter's), each row formatted by the server's ``model_view``;
Chromium as the browser tests drive it. Also printed: the one-time size of the catalogue as the
websocket carries it (the ``models`` var, JSON). Run: ``.venv/bin/python -m bench.picker``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import random
import statistics
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, sync_playwright

from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.settings import PROJECT_ROOT
from neural_terminal.ui.models.model_views import ModelView, model_view
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

MODELS = 350
PROVIDERS = 40
# What is typed, one key at a time, after opening the picker (then erased key by key).
TYPED = ("openai gpt", "claude sonnet", "llama free", "mistral/")
WORDS = [
    "chat",
    "instruct",
    "turbo",
    "mini",
    "large",
    "pro",
    "flash",
    "vision",
    "coder",
    "reasoning",
    "preview",
    "lite",
]
PRICES = ("0", "0.00000005", "0.00000015", "0.0000005", "0.0000015", "0.000003", "0.000015")

# Times every key of the search box: script work until the input event is handled (this
# listener runs after models.js's, registered first), and the next frame after it.
MEASURE = """() => {
  window.__keys = [];
  const search = document.getElementById('model-search');
  let down = 0;
  search.addEventListener('keydown', () => { down = performance.now(); }, true);
  document.addEventListener('input', () => {
    const drawn = performance.now();
    const start = down;
    requestAnimationFrame(() => setTimeout(() => {
      window.__keys.push({script: drawn - start, frame: performance.now() - start,
                          rows: document.querySelectorAll('#model-list [role=option]').length});
    }, 0));
  });
}"""


def catalogue(seed: int = 15) -> list[ModelInfo]:
    """MODELS models of PROVIDERS providers, a ninth of them ``:free`` variants."""
    rng = random.Random(seed)
    names = ["openai", "anthropic", "meta-llama", "mistralai", "google", "qwen", "deepseek"]
    providers = names + [f"provider{n}" for n in range(PROVIDERS - len(names))]
    models: list[ModelInfo] = []
    for n in range(MODELS):
        provider = providers[n % len(providers)]
        family = {"openai": "gpt", "anthropic": "claude", "meta-llama": "llama"}.get(provider, "m")
        words = rng.sample(WORDS, 2)
        free = n % 9 == 0
        model_id = f"{provider}/{family}-{n}-{words[0]}{':free' if free else ''}"
        pricing = (
            ModelPricing()
            if free
            else ModelPricing(
                prompt=Decimal(rng.choice(PRICES)), completion=Decimal(rng.choice(PRICES))
            )
        )
        models.append(
            ModelInfo(
                id=model_id,
                name=f"{provider.title()}: {family.upper()} {n} {words[0]} {words[1]}",
                context_length=rng.choice((8_192, 32_768, 128_000, 200_000, 1_000_000)),
                pricing=pricing,
            )
        )
    return models


def page_html(rows: list[ModelView]) -> str:
    """The picker's markup as ui/models/picker.py renders it, with the rows in its datalist."""
    options = "".join(
        f'<option value="{html.escape(r.id)}" label="{html.escape(r.label)}" '
        f'data-prices="{html.escape(r.prices)}" data-free="{str(r.free).lower()}">'
        f"{html.escape(r.label)}</option>"
        for r in rows
    )
    assets = PROJECT_ROOT / "assets"
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{(assets / "terminal.css").as_uri()}">
<link rel="stylesheet" href="{(assets / "models.css").as_uri()}">
</head><body><div class="nt-sidebar" style="width:300px">
<div id="model-picker-root" data-favourites='["{html.escape(rows[7].id)}"]'>
<button type="button" id="model-picker" class="nt-button nt-model-button"
  data-model-id="{html.escape(rows[0].id)}" aria-expanded="false">{html.escape(rows[0].id)}</button>
<div id="model-popup" class="nt-model-popup" hidden>
<input id="model-search" role="combobox" aria-controls="model-list" aria-expanded="false">
<ul id="model-list" role="listbox" class="nt-model-list"></ul>
<span id="model-picker-status"></span><button type="button" id="model-star">star</button>
</div>
<form id="model-choose" hidden><input type="hidden" name="model_id"></form>
<form id="model-star-form" hidden><input type="hidden" name="model_id">
<input type="hidden" name="starred"></form>
<datalist id="model-ids">{options}</datalist>
</div></div>
<script src="{(assets / "models.js").as_uri()}"></script></body></html>"""


def measure(page: Page) -> list[dict[str, float]]:
    """Open the picker, type every search key by key and erase it; one timing per key."""
    page.locator("#model-picker").click()
    page.evaluate(MEASURE)
    search = page.locator("#model-search")
    keys = 0
    for text in TYPED:
        for char in text:
            search.press(char if char != " " else "Space")
            keys += 1
        for _ in text:
            search.press("Backspace")
            keys += 1
    page.wait_for_function(f"window.__keys.length >= {keys}")
    return list(page.evaluate("window.__keys"))


def _row(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<28} median {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   "
        f"max {ordered[-1]:6.2f} ms"
    )


def main() -> None:
    """Print the figures for one run."""
    rows = [model_view(model) for model in catalogue()]
    payload = json.dumps([dataclasses.asdict(row) for row in rows])
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores")
    print(f"{len(rows)} models; the catalogue var, once per load: {len(payload):,} bytes of JSON")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        path = Path(tmp) / "picker.html"
        path.write_text(page_html(rows))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(path.as_uri())
        measure(page)  # a warm-up: the first keys compile the script
        page.reload()
        timings = measure(page)
        browser.close()
    print(f"{len(timings)} keys typed and erased ({', '.join(repr(t) for t in TYPED)})")
    print(_row("key -> filtered list drawn", [t["script"] for t in timings]))
    print(_row("key -> next frame painted", [t["frame"] for t in timings]))
    drawn = [int(t["rows"]) for t in timings]
    print(f"rows drawn per key: {min(drawn)}..{max(drawn)} (at most 50; more as it scrolls)")


if __name__ == "__main__":
    main()
