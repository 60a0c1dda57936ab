"""Plain-Python services: the orchestrator, the event bus, turn bookkeeping."""
