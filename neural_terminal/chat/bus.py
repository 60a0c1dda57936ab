"""A synchronous in-process event bus; a failing subscriber is logged, never fatal."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]


class EventBus:
    """Routes each event to the handlers subscribed to its exact class."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler`` for every published event of ``event_type``."""
        self._handlers[event_type].append(handler)

    def publish(self, event: object) -> None:
        """Deliver ``event``; a handler that raises is logged and the rest still run."""
        for handler in self._handlers.get(type(event), ()):
            try:
                handler(event)
            except Exception:
                logger.exception("event handler %r failed on %s", handler, type(event).__name__)
