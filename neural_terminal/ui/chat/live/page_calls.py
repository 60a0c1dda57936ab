"""Script calls sent straight to the page of the tab whose event is being handled.

``yield rx.call_script(...)`` from a handler runs Reflex's whole pass over the state for each
yield (a delta computed, events checked and routed) before the call reaches the socket; for
a reply streaming in many small batches that pass was a quarter of the backend's CPU
(bench/load.py). A call to the page needs none of it: it is emitted here as the same
``_call_script`` event, through the same event context, so it keeps its order with the
state deltas the handler sends (both are awaited in turn on one socket).
"""

from __future__ import annotations

from reflex_base.event import Event
from reflex_base.event.context import EventContext

CALL_SCRIPT = "_call_script"  # the frontend event that evaluates ``javascript_code``


async def run_in_page(javascript: str) -> None:
    """Run ``javascript`` (one of live_script.py's calls, never model text) in the page."""
    event = Event(name=CALL_SCRIPT, payload={"javascript_code": javascript, "callback": None})
    await EventContext.get().emit_event(event)
