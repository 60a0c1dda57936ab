"""Whether a tab's websocket is held by this worker (a tab's watcher stops when it is not)."""

from __future__ import annotations

from reflex.utils.prerequisites import get_and_validate_app


def connected_here(token: str) -> bool:
    """True while the tab ``token`` has its socket on this process."""
    namespace = get_and_validate_app().app.event_namespace
    if namespace is None:
        return False
    sid = namespace.token_to_sid.get(token)
    # sid_to_token holds this process's sockets only (token_to_sid may name other workers').
    return sid is not None and namespace.sid_to_token.get(sid) == token
