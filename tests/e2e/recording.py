"""Record every text an element shows, from the page's side: short-lived texts (a countdown,
the live cost of a reply cut off after a second) are seen however slow the machine is,
where polling for them could look between two changes."""

from __future__ import annotations

from playwright.sync_api import Page

RECORD = """
([selector, name]) => {
  const texts = (window.__ntRecorded = window.__ntRecorded || {})[name] = [];
  const seen = () => {
    const el = document.querySelector(selector);
    const text = el ? el.innerText : '';
    if (text && texts[texts.length - 1] !== text) texts.push(text);
  };
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def record_texts(page: Page, selector: str, name: str) -> None:
    """Start keeping every distinct text of ``selector`` under ``name``."""
    page.evaluate(RECORD, [selector, name])


def recorded_texts(page: Page, name: str) -> list[str]:
    """The texts kept so far under ``name``, in the order they were shown."""
    return list(page.evaluate("name => window.__ntRecorded[name]", name))
