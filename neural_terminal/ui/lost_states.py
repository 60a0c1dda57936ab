"""Pages whose state Redis lost: an event on one is dropped and the page reconnects.

With several workers, Reflex keeps each page's state in Redis, and a restarted Redis comes
back empty. Each worker notices within a second (workers/redis_restarts.py) and makes its
pages reconnect, but an event sent in that second reaches a blank state. Reflex then rebuilds
it on the spot, without what the page keeps in its own storage (the conversation it showed),
and runs the event on that: a message sent then went into another conversation.

So every page state is marked when its hydrate event (the first of every connection) arrives;
an event on a state without the mark is not run: the page is made to reconnect, which
hydrates it from its own storage and the database, and its composer keeps the words.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.constants import CompileVars
from reflex_base.event import Event, get_event

from neural_terminal.ui.chat.live.tab_sockets import reconnect_page

if TYPE_CHECKING:
    from reflex.app import App

logger = logging.getLogger(__name__)


class HydratedMark(rx.State):
    """Set by this page's hydrate event; missing from a state Redis lost."""

    _hydrated: bool = False


class LostStateGuard(Middleware):
    """Runs before Reflex's own hydration: marks hydrated states, turns lost ones away."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        mark = await state.get_state(HydratedMark)
        if event.name in _hydrate_events(state):
            mark._hydrated = True
            return None
        if mark._hydrated:
            return None
        token = state.router.session.client_token
        reconnected = await reconnect_page(token)
        logger.warning(
            "an event (%s) reached a page state Redis lost: not run; the page %s",
            event.name,
            "reconnects" if reconnected else "is not connected here",
        )
        return StateUpdate()


def _hydrate_events(state: BaseState) -> tuple[str, str]:
    """The names a (re)connection's first event goes by: Reflex 0.10 sends hydrate_and_load."""
    return get_event(state, CompileVars.HYDRATE), get_event(state, CompileVars.HYDRATE_AND_LOAD)
